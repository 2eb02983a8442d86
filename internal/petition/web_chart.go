package petition

import (
	"fmt"
	"time"

	"repertoire/internal/participation"
)

// Chart is the growth of a petition drawn as an SVG polyline of the
// cumulative count, computed here so the template only places numbers.
// The page pairs it with a text equivalent (a table of the days).
type Chart struct {
	Width, Height int
	Points        string // SVG polyline points
	Max           int    // the top of the scale
	GoalY         int    // y of the goal line, -1 without a goal in range
	Days          []DayCount
	First, Last   time.Time
}

// DayCount is the cumulative count at the end of one day.
type DayCount struct {
	Day   time.Time
	Total int
}

// NewChart builds the chart of hourly buckets; nil when there is nothing.
func NewChart(buckets []participation.Bucket, goal int) *Chart {
	if len(buckets) == 0 {
		return nil
	}
	c := &Chart{Width: 600, Height: 200, GoalY: -1, First: buckets[0].Start, Last: buckets[len(buckets)-1].Start}
	total := 0
	cum := make([]int, len(buckets))
	top := 0
	for i, b := range buckets {
		total += b.Confirmed
		cum[i] = total
		top = max(top, total)
		day := b.Start.Truncate(24 * time.Hour)
		if n := len(c.Days); n > 0 && c.Days[n-1].Day.Equal(day) {
			c.Days[n-1].Total = total
		} else {
			c.Days = append(c.Days, DayCount{Day: day, Total: total})
		}
	}
	if goal > 0 && goal <= top*2 {
		top = max(top, goal)
	}
	c.Max = max(top, 1)
	span := c.Last.Sub(c.First).Hours()
	pts := make([]byte, 0, len(buckets)*12)
	x := func(t time.Time) int {
		if span == 0 {
			return c.Width
		}
		return int(t.Sub(c.First).Hours() / span * float64(c.Width))
	}
	y := func(n int) int { return c.Height - n*c.Height/c.Max }
	pts = fmt.Appendf(pts, "0,%d", c.Height)
	for i, b := range buckets {
		pts = fmt.Appendf(pts, " %d,%d", x(b.Start), y(cum[i]))
	}
	c.Points = string(pts)
	if goal > 0 && goal <= c.Max {
		c.GoalY = y(goal)
	}
	if len(c.Days) > 31 { // the text equivalent lists the last month
		c.Days = c.Days[len(c.Days)-31:]
	}
	return c
}
