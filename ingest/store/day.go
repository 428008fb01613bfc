package store

import (
	"fmt"
	"time"
)

const msPerDay = 86_400_000

// DayOf is the UTC day (days since 1970-01-01) of a Unix millisecond time,
// as stored in Row.Day.
func DayOf(unixMilli int64) int32 {
	d := unixMilli / msPerDay
	if unixMilli%msPerDay < 0 {
		d--
	}
	return int32(d)
}

// DayTime is midnight UTC at the start of day.
func DayTime(day int32) time.Time {
	return time.UnixMilli(int64(day) * msPerDay).UTC()
}

// month is a calendar month (UTC) as a range of days, the unit in which
// data files are partitioned.
type month struct {
	name       string // "2024-05"
	start, end int32  // first day, first day of the next month
}

func monthOf(day int32) month {
	t := DayTime(day)
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	next := first.AddDate(0, 1, 0)
	return month{
		name:  fmt.Sprintf("%04d-%02d", first.Year(), int(first.Month())),
		start: DayOf(first.UnixMilli()),
		end:   DayOf(next.UnixMilli()),
	}
}
