package token

import (
	"strings"
	"testing"
	"time"
)

func TestNewJTIOrderedUniqueOpaque(t *testing.T) {
	t0 := time.Date(2031, 3, 14, 15, 9, 26, 0, time.UTC)
	cases := []struct {
		name           string
		earlier, later time.Time
	}{
		{"one_millisecond_apart", t0, t0.Add(time.Millisecond)},
		{"one_second_apart", t0, t0.Add(time.Second)},
		{"byte_boundary", time.UnixMilli(0xff), time.UnixMilli(0x100)},
		{"years_apart", t0, t0.AddDate(20, 0, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := NewJTI(tc.earlier), NewJTI(tc.later)
			if !(a < b) {
				t.Fatalf("NewJTI(%v) = %q does not sort before NewJTI(%v) = %q", tc.earlier, a, tc.later, b)
			}
		})
	}
	seen := map[string]bool{}
	for range 1000 {
		j := NewJTI(t0)
		if len(j) != 30 || strings.Trim(j, "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz") != "" {
			t.Fatalf("NewJTI = %q: want 30 base64url characters", j)
		}
		if seen[j] {
			t.Fatalf("NewJTI repeated %q within one millisecond", j)
		}
		seen[j] = true
	}
}
