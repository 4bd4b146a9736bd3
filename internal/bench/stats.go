// Package bench holds what kotodigi's performance measurements share: latency
// statistics, the loopback-only guards of the load tool, and the "raw"
// workload (one transaction with the client SELECT and a plain audit INSERT,
// no kotodigi in between) that audited reads are compared with.
//
// The benchmarks themselves are in bench_test.go; the load generator is
// cmd/kotodigi-load; bench/run.sh runs both against a real server.
package bench

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Recorder collects the latencies of one worker. It is not safe for
// concurrent use: give every goroutine its own and merge them in Summarize.
type Recorder struct {
	lat    []time.Duration
	errors int
}

// NewRecorder returns a recorder with room for n observations.
func NewRecorder(n int) *Recorder { return &Recorder{lat: make([]time.Duration, 0, n)} }

// OK records one successful operation that took d.
func (r *Recorder) OK(d time.Duration) { r.lat = append(r.lat, d) }

// Fail records one failed operation.
func (r *Recorder) Fail() { r.errors++ }

// Summary is the outcome of one measured run.
type Summary struct {
	OK, Errors         int
	Elapsed            time.Duration
	RPS                float64 // successful operations per second
	P50, P90, P99, Max time.Duration
	// CPUPerOp is the machine's busy CPU time (all processes) per successful
	// operation, and BusyCores the average number of busy cores; zero when
	// unknown (set by the caller from a CPUSample).
	CPUPerOp  time.Duration
	BusyCores float64
	// SelfCPUPerOp is this process's own CPU time per successful operation
	// (the load generator's share), zero when unknown.
	SelfCPUPerOp time.Duration
	// ServerCPUPerOp is the CPU time of a watched server process per
	// successful operation (see ProcessCPU), zero when not watched.
	ServerCPUPerOp time.Duration
	// DBCPUPerOp is the CPU time of the database server's processes per
	// successful operation (see ProcessesCPU), zero when not watched.
	DBCPUPerOp time.Duration
}

// ProcessCPU returns the user+system CPU time of process pid so far
// (Linux /proc/PID/stat), or false.
func ProcessCPU(pid int) (time.Duration, bool) {
	_, d, _, ok := procStat("/proc/" + strconv.Itoa(pid) + "/stat")
	return d, ok
}

// procStat reads the command name, the user+system CPU time of one process
// and that of its exited and reaped children.
func procStat(path string) (comm string, self, children time.Duration, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", 0, 0, false
	}
	// The command name (field 2, in parentheses) may hold spaces.
	open, end := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
	if open < 0 || end < open {
		return "", 0, 0, false
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 15 {
		return "", 0, 0, false
	}
	var t [4]int64 // utime, stime, cutime, cstime: fields 14 to 17
	for i := range t {
		if t[i], err = strconv.ParseInt(f[11+i], 10, 64); err != nil {
			return "", 0, 0, false
		}
	}
	tick := time.Second / userHZ
	return string(b[open+1 : end]), time.Duration(t[0]+t[1]) * tick, time.Duration(t[2]+t[3]) * tick, true
}

// ProcessesCPU returns the summed CPU time so far of all processes whose
// command name is name (e.g. "postgres": the server and all its backends),
// with that of their reaped children: a backend that exits hands its time
// to the postmaster, so the sum keeps counting it.
func ProcessesCPU(name string) time.Duration {
	dirs, _ := os.ReadDir("/proc")
	var sum time.Duration
	for _, d := range dirs {
		if d.Name()[0] < '0' || d.Name()[0] > '9' {
			continue
		}
		if comm, self, children, ok := procStat("/proc/" + d.Name() + "/stat"); ok && comm == name {
			sum += self + children
		}
	}
	return sum
}

// SetCPU fills the CPU figures from a sample taken at the start.
func (s *Summary) SetCPU(start CPUSample) {
	busy, cores, ok := start.CPUSince()
	if !ok || s.OK == 0 {
		return
	}
	s.CPUPerOp = busy / time.Duration(s.OK)
	s.BusyCores = cores
	if start.self > 0 {
		s.SelfCPUPerOp = (selfCPU() - start.self) / time.Duration(s.OK)
	}
}

// selfCPU is this process's user+system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Summarize merges the recorders of a run that took elapsed.
func Summarize(elapsed time.Duration, rs ...*Recorder) Summary {
	var all []time.Duration
	s := Summary{Elapsed: elapsed}
	for _, r := range rs {
		all = append(all, r.lat...)
		s.Errors += r.errors
	}
	s.OK = len(all)
	if elapsed > 0 {
		s.RPS = float64(s.OK) / elapsed.Seconds()
	}
	if len(all) == 0 {
		return s
	}
	slices.Sort(all)
	s.P50, s.P90, s.P99 = quantile(all, 0.50), quantile(all, 0.90), quantile(all, 0.99)
	s.Max = all[len(all)-1]
	return s
}

// quantile is the nearest-rank quantile of sorted values.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Ms renders a duration in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// String is the human-readable report.
func (s Summary) String() string {
	return fmt.Sprintf("%d ok, %d errors in %.2fs\nrate       %.1f req/s\nlatency    p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\nCPU        %.2f busy cores (whole machine); per request: machine %.3f ms, kotodigi %.3f ms, database server %.3f ms, this load generator %.3f ms",
		s.OK, s.Errors, s.Elapsed.Seconds(), s.RPS, Ms(s.P50), Ms(s.P90), Ms(s.P99), Ms(s.Max), s.BusyCores, Ms(s.CPUPerOp), Ms(s.ServerCPUPerOp), Ms(s.DBCPUPerOp), Ms(s.SelfCPUPerOp))
}

// Line is one machine-readable, tab-separated line (bench/run.sh reads it).
func (s Summary) Line(label string, concurrency int) string {
	return fmt.Sprintf("RESULT\t%s\tconc=%d\tok=%d\terrors=%d\trps=%.1f\tp50_ms=%.2f\tp90_ms=%.2f\tp99_ms=%.2f\tmax_ms=%.2f\tcpu_ms=%.3f\tcores=%.2f\tserver_cpu_ms=%.3f\tdb_cpu_ms=%.3f\tload_cpu_ms=%.3f",
		label, concurrency, s.OK, s.Errors, s.RPS, Ms(s.P50), Ms(s.P90), Ms(s.P99), Ms(s.Max), Ms(s.CPUPerOp), s.BusyCores, Ms(s.ServerCPUPerOp), Ms(s.DBCPUPerOp), Ms(s.SelfCPUPerOp))
}

// CPUSample is a reading of the whole machine's CPU time (Linux /proc/stat):
// every process counts, the database server's too.
type CPUSample struct {
	busy, total int64 // clock ticks
	ok          bool
	self        time.Duration // this process's CPU time
}

// ReadCPU reads /proc/stat; on other systems the sample is empty.
func ReadCPU() CPUSample {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return CPUSample{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return CPUSample{}
	}
	var s CPUSample
	for i, v := range f[1:] {
		if i >= 8 { // guest time is already in user
			break
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return CPUSample{}
		}
		s.total += n
		if i != 3 && i != 4 { // idle, iowait
			s.busy += n
		}
	}
	s.ok = true
	s.self = selfCPU()
	return s
}

// userHZ is the kernel's USER_HZ, the unit of /proc/stat.
const userHZ = 100

// CPUSince returns the machine's busy CPU time since s, and the average
// number of busy cores over that time.
func (s CPUSample) CPUSince() (busy time.Duration, cores float64, ok bool) {
	now := ReadCPU()
	if !s.ok || !now.ok || now.total <= s.total {
		return 0, 0, false
	}
	busyTicks := now.busy - s.busy
	ncpu := float64(runtime.NumCPU())
	return time.Duration(busyTicks) * time.Second / userHZ, float64(busyTicks) / float64(now.total-s.total) * ncpu, true
}
