package petition

import (
	"fmt"
	"math"
	"time"

	"repertoire/internal/participation"
)

// Chart is the growth of a petition drawn as an SVG polyline of the
// cumulative count with its axes: days along x, counts up y, the goal as
// a named dashed line. It is computed here so the template only places
// numbers and words (the ticks' labels are the reader's language). The
// page pairs it with a text equivalent (a table of the days).
type Chart struct {
	Width, Height int // the viewBox
	// Left, Right, Top, Bottom are the plot area's edges in the viewBox:
	// the labels of y sit left of Left, those of x below Bottom.
	Left, Right, Top, Bottom int
	Points                   string // SVG polyline points
	Max                      int    // the top of the scale
	YTicks                   []YTick
	XTicks                   []XTick
	Goal                     int // 0 without a goal in range
	GoalY                    int // y of the goal line, -1 without one
	Days                     []DayCount
	First, Last              time.Time
}

// YTick is a count marked on the y axis.
type YTick struct {
	Y     int
	Count int
}

// XTick is a day marked on the x axis; Anchor is its label's text-anchor
// (the first and last labels stay inside the chart) and Year whether the
// label names the year.
type XTick struct {
	X      int
	Day    time.Time
	Anchor string
	Year   bool
}

// DayCount is the cumulative count at the end of one day.
type DayCount struct {
	Day   time.Time
	Total int
}

const day = 24 * time.Hour

// NewChart builds the chart of hourly buckets; nil when there is nothing.
func NewChart(buckets []participation.Bucket, goal int) *Chart {
	if len(buckets) == 0 {
		return nil
	}
	c := &Chart{Width: 640, Height: 280, Left: 76, Right: 624, Top: 24, Bottom: 244, GoalY: -1,
		First: buckets[0].Start.UTC(), Last: buckets[len(buckets)-1].Start.UTC()}
	total := 0
	cum := make([]int, len(buckets))
	top := 0
	for i, b := range buckets {
		total += b.Confirmed
		cum[i] = total
		top = max(top, total)
		d := b.Start.UTC().Truncate(day)
		if n := len(c.Days); n > 0 && c.Days[n-1].Day.Equal(d) {
			c.Days[n-1].Total = total
		} else {
			c.Days = append(c.Days, DayCount{Day: d, Total: total})
		}
	}
	// The goal shows when it is within reach of the scale: a goal of a
	// million over ten signatures would flatten the line.
	if goal > 0 && goal <= top*2 {
		top = max(top, goal)
	}
	step := niceStep(max(top, 1))
	c.Max = step * int(math.Ceil(float64(max(top, 1))/float64(step)))
	plotW, plotH := c.Right-c.Left, c.Bottom-c.Top
	y := func(n int) int { return c.Bottom - n*plotH/c.Max }
	for n := 0; n <= c.Max; n += step {
		c.YTicks = append(c.YTicks, YTick{Y: y(n), Count: n})
	}

	span := c.Last.Sub(c.First)
	x := func(t time.Time) int {
		if span <= 0 {
			return c.Right
		}
		return c.Left + int(min(max(float64(t.Sub(c.First))/float64(span), 0), 1)*float64(plotW))
	}
	c.XTicks = dayTicks(c.First, c.Last, x)
	if n := len(c.XTicks); n > 0 {
		c.XTicks[0].Year = true
		for i := range c.XTicks {
			switch {
			case c.XTicks[i].X-c.Left < 40:
				c.XTicks[i].Anchor = "start"
			case c.Right-c.XTicks[i].X < 40:
				c.XTicks[i].Anchor = "end"
			default:
				c.XTicks[i].Anchor = "middle"
			}
		}
	}

	pts := make([]byte, 0, len(buckets)*12)
	pts = fmt.Appendf(pts, "%d,%d", c.Left, c.Bottom)
	for i, b := range buckets {
		pts = fmt.Appendf(pts, " %d,%d", x(b.Start), y(cum[i]))
	}
	c.Points = string(pts)
	if goal > 0 && goal <= c.Max {
		c.Goal, c.GoalY = goal, y(goal)
	}
	if len(c.Days) > 31 { // the text equivalent lists the last month
		c.Days = c.Days[len(c.Days)-31:]
	}
	return c
}

// niceStep is the step of at most five y ticks up to top: 1, 2, 2.5 or 5
// times a power of ten, and a whole count.
func niceStep(top int) int {
	raw := float64(top) / 5
	mag := math.Pow(10, math.Floor(math.Log10(max(raw, 1))))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if s := m * mag; s >= raw && s == math.Trunc(s) {
			return max(int(s), 1)
		}
	}
	return max(int(10*mag), 1)
}

// dayTicks marks at most six days from first to last, a whole number of
// days (or weeks) apart, starting at first's day.
func dayTicks(first, last time.Time, x func(time.Time) int) []XTick {
	start := first.Truncate(day)
	days := int(last.Sub(start) / day)
	step := 1
	for _, s := range []int{1, 2, 7, 14, 28, 56, 91, 182, 364} {
		step = s
		if days/s <= 5 {
			break
		}
	}
	var ticks []XTick
	for d := 0; d <= days; d += step {
		t := start.AddDate(0, 0, d)
		ticks = append(ticks, XTick{X: x(t), Day: t})
	}
	return ticks
}
