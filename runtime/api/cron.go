package api

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseCronSchedule checks a CronJob schedule as upstream's validation does
// with github.com/robfig/cron/v3's ParseStandard, with its messages: five
// fields (minute, hour, day of month, month, day of week) of numbers,
// names (jan–dec, sun–sat), "*" or "?", ranges, lists and steps, or a
// descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight,
// @hourly, @every <duration>), optionally after CRON_TZ= or TZ=.
func ParseCronSchedule(spec string) error {
	if spec == "" {
		return fmt.Errorf("empty spec string")
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		eq := strings.Index(spec, "=")
		tz, rest, _ := strings.Cut(spec[eq+1:], " ")
		if _, err := time.LoadLocation(tz); err != nil {
			return fmt.Errorf("provided bad location %s: %v", tz, err)
		}
		spec = strings.TrimSpace(rest)
	}
	if strings.HasPrefix(spec, "@") {
		return parseCronDescriptor(spec)
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return fmt.Errorf("expected exactly 5 fields, found %d: %s", len(fields), fields)
	}
	for i, f := range fields {
		if err := parseCronField(f, cronBounds[i]); err != nil {
			return err
		}
	}
	return nil
}

type cronBound struct {
	min, max int
	names    map[string]int
}

var cronBounds = []cronBound{
	{0, 59, nil},
	{0, 23, nil},
	{1, 31, nil},
	{1, 12, map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}},
	{0, 6, map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}},
}

func parseCronDescriptor(spec string) error {
	switch spec {
	case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly":
		return nil
	}
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		if _, err := time.ParseDuration(d); err != nil {
			return fmt.Errorf("failed to parse duration %s: %s", spec, err)
		}
		return nil
	}
	return fmt.Errorf("unrecognized descriptor: %s", spec)
}

// parseCronField checks one comma-separated field ("1-5/2,10").
func parseCronField(field string, b cronBound) error {
	for _, expr := range strings.Split(field, ",") {
		if err := parseCronRange(expr, b); err != nil {
			return err
		}
	}
	return nil
}

func parseCronRange(expr string, b cronBound) error {
	rangeAndStep := strings.Split(expr, "/")
	lowAndHigh := strings.Split(rangeAndStep[0], "-")
	singleDigit := len(lowAndHigh) == 1
	start, end := b.min, b.max
	if lowAndHigh[0] != "*" && lowAndHigh[0] != "?" {
		var err error
		if start, err = cronValue(lowAndHigh[0], b.names); err != nil {
			return err
		}
		end = start
		switch len(lowAndHigh) {
		case 1:
		case 2:
			if end, err = cronValue(lowAndHigh[1], b.names); err != nil {
				return err
			}
		default:
			return fmt.Errorf("too many hyphens: %s", expr)
		}
	}
	switch len(rangeAndStep) {
	case 1:
	case 2:
		step, err := cronInt(rangeAndStep[1])
		if err != nil {
			return err
		}
		if step <= 0 {
			return fmt.Errorf("step of range should be a positive number: %s", expr)
		}
		if singleDigit {
			end = b.max
		}
	default:
		return fmt.Errorf("too many slashes: %s", expr)
	}
	switch {
	case start < b.min:
		return fmt.Errorf("beginning of range (%d) below minimum (%d): %s", start, b.min, expr)
	case end > b.max:
		return fmt.Errorf("end of range (%d) above maximum (%d): %s", end, b.max, expr)
	case start > end:
		return fmt.Errorf("beginning of range (%d) beyond end of range (%d): %s", start, end, expr)
	}
	return nil
}

func cronValue(s string, names map[string]int) (int, error) {
	if v, ok := names[strings.ToLower(s)]; ok {
		return v, nil
	}
	return cronInt(s)
}

func cronInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("failed to parse int from %s: %s", s, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("negative number (%d) not allowed: %s", n, s)
	}
	return n, nil
}
