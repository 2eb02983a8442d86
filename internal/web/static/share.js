// Progressive help for the share block and a pledge's countdown. Without
// it the page works: the link is a field to select, the Mastodon form asks
// the server, the countdown is the server's at the time of the page.
(function () {
  "use strict";

  // Copy-link: the button shows only when the clipboard can be written.
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    var field = document.getElementById(b.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) return;
    var label = b.textContent;
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        b.textContent = b.getAttribute("data-copied");
        setTimeout(function () { b.textContent = label; }, 2500);
      }, function () { field.select(); });
    });
  });

  // Mastodon: go straight to https://<instance>/share when the instance
  // reads as a host name; otherwise the server's page explains.
  var host = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]*[a-z-][a-z0-9-]*$/;
  document.querySelectorAll("form.share-mastodon").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      var typed = f.elements.instance.value.trim().toLowerCase()
        .replace(/^https:\/\//, "").replace(/\/$/, "").replace(/^.*@/, "").replace(/\.$/, "");
      if (!host.test(typed)) return;
      e.preventDefault();
      window.location.href = "https://" + typed + "/share?text=" + encodeURIComponent(f.getAttribute("data-text"));
    });
  });

  // A pledge's countdown: "N days H hours left", recounted each minute
  // from the deadline with the words the server gave.
  document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
    var end = Date.parse(el.getAttribute("data-deadline"));
    if (isNaN(end)) return;
    var say = function (n, one, more) {
      return el.getAttribute(n === 1 ? one : more).replace("#", String(n));
    };
    var tick = function () {
      var minutes = Math.floor((end - Date.now()) / 60000);
      if (minutes < 0) return;
      var d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), parts = [];
      if (d > 0) parts.push(say(d, "data-day", "data-days"));
      if (h > 0) parts.push(say(h, "data-hour", "data-hours"));
      el.textContent = parts.length ? el.getAttribute("data-left").replace("#", parts.join(" ")) : el.getAttribute("data-soon");
    };
    tick();
    setInterval(tick, 60000);
  });
})();
