package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat: USER_HZ,
// which Linux fixes at 100 for user space on every architecture.
const clockTick = 10 * time.Millisecond

// procSample is one reading of a process's resource use.
type procSample struct {
	// CPU is user plus system time of all threads; System the system
	// (kernel) part of it.
	CPU, System time.Duration
	// RSS and HWM are the resident set size and its peak (VmRSS, VmHWM).
	RSS, HWM int64
}

// readProc reads /proc/<pid>/stat and /proc/<pid>/status.
func readProc(pid int) (procSample, error) {
	var s procSample
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, fmt.Errorf("bench: read process stats: %w", err)
	}
	// The command name (field 2) may contain spaces; fields resume after
	// its closing parenthesis, starting with the state (field 3).
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return s, errors.New("bench: malformed /proc stat")
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) < 13 {
		return s, errors.New("bench: short /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return s, errors.New("bench: malformed /proc stat times")
	}
	s.CPU, s.System = time.Duration(utime+stime)*clockTick, time.Duration(stime)*clockTick
	s.RSS, s.HWM, err = readMemory(pid)
	return s, err
}

// readMemory returns VmRSS and VmHWM in bytes.
func readMemory(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("bench: read process status: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("bench: malformed %s", name)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm, sc.Err()
}

// machineCPU is a reading of the aggregate line of /proc/stat.
type machineCPU struct {
	busy, total int64
}

// readMachineCPU reads the jiffies all CPUs spent busy and in total.
func readMachineCPU() (machineCPU, error) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineCPU{}, fmt.Errorf("bench: read /proc/stat: %w", err)
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return machineCPU{}, errors.New("bench: malformed /proc/stat")
	}
	var m machineCPU
	for i, v := range f[1:] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return machineCPU{}, errors.New("bench: malformed /proc/stat")
		}
		m.total += n
		if i != 3 && i != 4 { // idle and iowait
			m.busy += n
		}
	}
	return m, nil
}

// busyShare is the fraction of the machine's CPU time that was busy
// between two readings.
func busyShare(a, b machineCPU) float64 {
	if b.total <= a.total {
		return 0
	}
	return float64(b.busy-a.busy) / float64(b.total-a.total)
}

// loadAverage returns the one-minute load average, or -1.
func loadAverage() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}

// cpuModel returns the first "model name" of /proc/cpuinfo, or "".
func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if name, val, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(val)
		}
	}
	return ""
}
