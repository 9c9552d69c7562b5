// Package memlimit finds the memory limit a container runtime put on this
// process (Linux cgroups v2 or v1) and sets the Go runtime's soft memory
// limit below it.
//
// Why: the Go collector lets the heap grow to twice its live size by
// default (five times under `rampart protect`, which trades memory for
// throughput). Auditing a very large definition keeps gigabytes live, and
// a heap allowed to double can exceed a container's limit and be killed.
// With the soft limit under the container's, the collector works harder
// as the heap nears it instead.
package memlimit

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
)

// unlimitedV1 is where cgroup v1 values stop meaning a limit: the kernel
// reports "no limit" as a page-rounded 2^63-1.
const unlimitedV1 = int64(1) << 62

// Share is the part of the container's limit given to the Go heap; the
// rest covers what the runtime does not count (stacks, fragmentation,
// the binary).
const Share = 0.9

// Apply sets the runtime's soft memory limit to Share of the cgroup's,
// unless GOMEMLIMIT is set or there is no cgroup limit. It returns both
// limits, and false when it changed nothing.
func Apply() (cgroup, soft int64, applied bool) {
	return apply(os.DirFS("/"), os.Getenv("GOMEMLIMIT"), debug.SetMemoryLimit)
}

func apply(fsys fs.FS, gomemlimit string, set func(int64) int64) (cgroup, soft int64, applied bool) {
	if gomemlimit != "" {
		return 0, 0, false
	}
	limit, ok := detect(fsys)
	if !ok {
		return 0, 0, false
	}
	soft = int64(float64(limit) * Share)
	set(soft)
	return limit, soft, true
}

// Detect returns the memory limit of this process's cgroup in bytes, and
// false when there is none (or this is not Linux).
func Detect() (int64, bool) { return detect(os.DirFS("/")) }

// detect reads the limit from fsys, the root of a Linux file system.
func detect(fsys fs.FS) (int64, bool) {
	v1Path, v2Path := cgroupPaths(fsys)
	// cgroup v2: memory.max of the process's group, then the root's.
	for _, p := range []string{path.Join("sys/fs/cgroup", v2Path, "memory.max"), "sys/fs/cgroup/memory.max"} {
		if n, ok, found := readLimit(fsys, p); found {
			return n, ok
		}
	}
	// cgroup v1: the memory controller's limit_in_bytes.
	for _, p := range []string{path.Join("sys/fs/cgroup/memory", v1Path, "memory.limit_in_bytes"), "sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if n, ok, found := readLimit(fsys, p); found {
			return n, ok
		}
	}
	return 0, false
}

// cgroupPaths returns the process's group in the v1 memory hierarchy and
// in the v2 unified hierarchy, from /proc/self/cgroup ("" when absent).
func cgroupPaths(fsys fs.FS) (v1, v2 string) {
	data, err := fs.ReadFile(fsys, "proc/self/cgroup")
	if err != nil {
		return "", ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2 = parts[2]
		case hasController(parts[1], "memory"):
			v1 = parts[2]
		}
	}
	return v1, v2
}

func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// readLimit reads one limit file. found is false when the file does not
// exist or cannot be read; ok is false when it says there is no limit.
func readLimit(fsys fs.FS, name string) (n int64, ok, found bool) {
	data, err := fs.ReadFile(fsys, strings.TrimPrefix(path.Clean(name), "/"))
	if err != nil {
		return 0, false, false
	}
	s := strings.TrimSpace(string(data))
	if s == "max" {
		return 0, false, true
	}
	n, err = strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= unlimitedV1 {
		return 0, false, true
	}
	return n, true, true
}
