// Package cli wires the rampart commands (cobra). Each command lives in its
// own file and registers itself in init; the engines stay in their own
// packages so that this one is only flags, I/O and exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rampart-sec/rampart/internal/memlimit"
	"github.com/spf13/cobra"
)

// Exit codes, the same for every command (docs/cli.md).
const (
	ExitOK       = 0 // success
	ExitFailed   = 1 // the check failed a threshold (findings, score)
	ExitUsage    = 2 // usage error, or unreadable / invalid input
	ExitInternal = 3 // internal error
)

// Version information, set at build time with -ldflags "-X ...".
var (
	Version = "dev"
	Commit  = ""
)

// ExitError carries an exit code through cobra's error return.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// usageErr marks an error as a usage/input error (exit 2).
func usageErr(err error) error { return &ExitError{Code: ExitUsage, Err: err} }

// failed marks a threshold failure (exit 1) whose details were printed.
func failed(msg string) error { return &ExitError{Code: ExitFailed, Err: errors.New(msg)} }

// internalErr marks a bug or environment failure (exit 3).
func internalErr(err error) error { return &ExitError{Code: ExitInternal, Err: err} }

type commandFactory func(env *Env) *cobra.Command

var factories []commandFactory

// register adds a command to the root; each command file calls it in init.
func register(f commandFactory) { factories = append(factories, f) }

// Env is what commands read and write, so tests can run them in-process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// MemoryLimit is what the root command derived from a container's
	// memory limit (zero when nothing was set).
	MemoryLimit struct{ Cgroup, Soft int64 }
	// interruptGrace is how long a command may take to stop after Ctrl-C
	// or SIGTERM before the process exits anyway; zero waits for a second
	// signal (protect drains, scan cleans up). Nanoseconds, set by the
	// command, read by the signal handler.
	interruptGrace atomic.Int64
}

// stopPromptly makes an interrupt end the process within grace even if the
// command is blocked (rendering a large report, opening a FIFO).
func (e *Env) stopPromptly(grace time.Duration) { e.interruptGrace.Store(int64(grace)) }

// NewRoot builds the command tree.
func NewRoot(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "rampart",
		Short: "API security from the OpenAPI contract: audit, scan, protect",
		Long: `Rampart applies security from your OpenAPI definition, as code, across the
API's lifecycle:

  demo     the one-command tour on a bundled vulnerable API
  audit    static security audit of the definition (score, findings, CI gates)
  scan     dynamic testing of a running API from its contract
  protect  a reverse proxy that lets through only what the contract allows

Exit codes (every command): 0 success, 1 the check failed a threshold,
2 usage error or unreadable/invalid input, 3 internal error.`,
		Example: `  rampart demo
  rampart spec inspect examples/petstore-3.1.yaml
  rampart audit examples/petstore-3.1.yaml --min-score 70
  rampart scan examples/petstore-3.1.yaml --target http://127.0.0.1:8000
  rampart protect --spec examples/petstore-3.1.yaml --upstream http://127.0.0.1:8000`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	// Every command may hold a large definition in memory: keep the heap
	// under a container's memory limit (GOMEMLIMIT, when set, wins).
	root.PersistentPreRun = func(*cobra.Command, []string) {
		if cg, soft, ok := memlimit.Apply(); ok {
			env.MemoryLimit.Cgroup, env.MemoryLimit.Soft = cg, soft
		}
	}
	root.SetVersionTemplate(versionString() + "\n")
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageErr(err) })
	for _, f := range factories {
		root.AddCommand(f(env))
	}
	return root
}

func versionString() string {
	commit := Commit
	if commit == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					commit = s.Value
				}
			}
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	return fmt.Sprintf("rampart %s (commit %s, %s, %s/%s)", Version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func init() {
	register(func(env *Env) *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "Print version, commit and Go version",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				fmt.Fprintln(env.Stdout, versionString())
				return nil
			},
		}
	})
}

// Execute runs the CLI and returns the process exit code.
func Execute(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "rampart: internal error: %v\n%s", r, debug.Stack())
			code = ExitInternal
		}
	}()
	// The first Ctrl-C or SIGTERM cancels the command's context; a second
	// one, or the command's grace period running out, ends the process.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		cancel()
		var expire <-chan time.Time
		if g := time.Duration(env.interruptGrace.Load()); g > 0 {
			expire = time.After(g)
		}
		select {
		case <-sigs:
		case <-expire:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "rampart: interrupted")
		os.Exit(ExitInternal)
	}()
	root := NewRoot(env)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil && ee.Code != ExitFailed {
			fmt.Fprintf(stderr, "rampart: %v\n", ee.Err)
		} else if ee.Code == ExitFailed && ee.Err != nil {
			fmt.Fprintf(stderr, "rampart: %v\n", ee.Err)
		}
		return ee.Code
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "rampart: interrupted")
		return ExitInternal
	}
	// cobra's own errors (unknown command, bad args) are usage errors.
	fmt.Fprintf(stderr, "rampart: %v\n", err)
	return ExitUsage
}

// interruptGrace is how long audit-like commands may take to stop.
const interruptGrace = 2 * time.Second
