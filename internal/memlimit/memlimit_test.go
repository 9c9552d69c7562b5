package memlimit

import (
	"testing"
	"testing/fstest"
)

func TestDetect(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name  string
		fs    fstest.MapFS
		want  int64
		limit bool
	}{
		{"nothing mounted", fstest.MapFS{}, 0, false},
		{"v2 root limit", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("536870912\n"),
		}, 512 << 20, true},
		{"v2 no limit", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("max\n"),
		}, 0, false},
		{"v2 the process's own group wins", fstest.MapFS{
			"proc/self/cgroup":                          file("0::/kubepods/pod1/c1\n"),
			"sys/fs/cgroup/kubepods/pod1/c1/memory.max": file("268435456\n"),
			"sys/fs/cgroup/memory.max":                  file("max\n"),
		}, 256 << 20, true},
		{"v1 limit in the memory hierarchy", fstest.MapFS{
			"proc/self/cgroup": file("9:name=systemd:/\n4:cpu,memory:/docker/abc\n"),
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": file("1073741824\n"),
		}, 1 << 30, true},
		{"v1 unlimited is a huge number", fstest.MapFS{
			"proc/self/cgroup":                           file("4:memory:/\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes": file("9223372036854771712\n"),
		}, 0, false},
		{"v1 root file when the group's is not visible", fstest.MapFS{
			"proc/self/cgroup":                           file("4:memory:/docker/abc\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes": file("2147483648"),
		}, 2 << 30, true},
		{"garbage is no limit", fstest.MapFS{
			"sys/fs/cgroup/memory.max": file("lots\n"),
		}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := detect(tc.fs)
			if got != tc.want || ok != tc.limit {
				t.Fatalf("detect = %d, %v; want %d, %v", got, ok, tc.want, tc.limit)
			}
		})
	}
}

func TestApply(t *testing.T) {
	limited := fstest.MapFS{"sys/fs/cgroup/memory.max": &fstest.MapFile{Data: []byte("1000000000\n")}}
	tests := []struct {
		name       string
		fs         fstest.MapFS
		gomemlimit string
		wantSoft   int64 // 0: the runtime limit must not be touched
	}{
		{"container limit", limited, "", 900000000},
		{"GOMEMLIMIT wins", limited, "2GiB", 0},
		{"no container limit", fstest.MapFS{}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var set int64
			_, soft, applied := apply(tc.fs, tc.gomemlimit, func(n int64) int64 { set = n; return 0 })
			if set != tc.wantSoft || soft != tc.wantSoft || applied != (tc.wantSoft > 0) {
				t.Fatalf("set %d, returned %d (applied %v); want %d", set, soft, applied, tc.wantSoft)
			}
		})
	}
}
