package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/spec"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// specFlags are the loader flags every command that reads a spec shares.
type specFlags struct {
	maxFileSize     int64
	maxDepth        int
	allowRemoteRefs bool
	openObjects     bool
	refRoot         string
}

func (f *specFlags) bind(cmd *cobra.Command) {
	cmd.Flags().Int64Var(&f.maxFileSize, "max-file-size", spec.DefaultMaxFileSize, "largest definition file read, in bytes")
	cmd.Flags().IntVar(&f.maxDepth, "max-depth", spec.DefaultMaxDepth, "deepest nesting accepted in a definition")
	cmd.Flags().BoolVar(&f.allowRemoteRefs, "allow-remote-refs", false, "follow $refs to http(s) URLs")
	cmd.Flags().BoolVar(&f.openObjects, "open-objects", false, "strict-objects policy off: objects without additionalProperties accept undeclared properties")
	cmd.Flags().StringVar(&f.refRoot, "ref-root", "", "directory local file $refs may read from (default: the top of the spec's git repository, else the spec's directory)")
}

func (f *specFlags) options(env *Env) spec.Options {
	return spec.Options{
		MaxFileSize:     f.maxFileSize,
		MaxDepth:        f.maxDepth,
		AllowRemoteRefs: f.allowRemoteRefs,
		OpenObjects:     f.openObjects,
		RefRoot:         f.refRoot,
		Stdin:           env.Stdin,
	}
}

// validate refuses loader limits that cannot be meant: spec.Load reads a
// size or depth of 0 or less as "the default", so --max-file-size -5 ran
// with the 64 MiB default as if it had disabled the limit, and
// --max-depth 0 with a depth of 512. Every command sharing the flags may
// call it.
func (f *specFlags) validate() error {
	if f.maxFileSize < 1 {
		return usageErr(fmt.Errorf("--max-file-size %d: the limit must be at least 1 byte", f.maxFileSize))
	}
	if f.maxDepth < 1 {
		return usageErr(fmt.Errorf("--max-depth %d: the nesting limit must be at least 1", f.maxDepth))
	}
	return nil
}

// loadSpec loads a definition, mapping load failures to exit code 2.
func loadSpec(ctx context.Context, env *Env, path string, f *specFlags) (*spec.Document, error) {
	doc, err := spec.Load(ctx, path, f.options(env))
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, usageErr(err)
	}
	return doc, nil
}

// outputFlags are --format and -o, the same for every command.
type outputFlags struct {
	format string
	output string
	// failOn is the command's --fail-on, for the formats that show
	// passing and failing (JUnit).
	failOn *report.Severity
}

func (o *outputFlags) bind(cmd *cobra.Command, def string) {
	cmd.Flags().StringVar(&o.format, "format", def, "output format: text, json, sarif, html, junit")
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write the report to FILE instead of standard output")
}

// validate checks --format and normalises it to its lower-case name.
// Format names are case-insensitive (docs/report-format.md), as the report
// writers already treat them; the rest of the command compares the
// normalised name (colour is decided by format == "text").
func (o *outputFlags) validate() error {
	if o.output != "" && o.output != "-" {
		// Caught before the work: a directory can never take the report,
		// and finding out after a long audit or scan wastes it.
		if fi, err := os.Stat(o.output); err == nil && fi.IsDir() {
			return usageErr(fmt.Errorf("-o %s is a directory; name the report file", o.output))
		}
	}
	if name, ok := formatName(o.format, report.Formats()...); ok {
		o.format = name
		return nil
	}
	return usageErr(fmt.Errorf("unknown --format %q (want one of %s)", o.format, strings.Join(report.Formats(), ", ")))
}

// formatName returns the one of names a --format value spells, in lower
// case. Format names are case-insensitive on every command (docs/cli.md):
// "JSON" and " json" are "json".
func formatName(value string, names ...string) (string, bool) {
	name := strings.ToLower(strings.TrimSpace(value))
	for _, n := range names {
		if n == name {
			return name, true
		}
	}
	return "", false
}

// write renders a report where the flags say. A report that cannot be
// written (a full disk, a closed pipe, no permission) is exit 3, "the
// environment failed" in docs/cli.md, whether it goes to standard output or
// to -o: exit 2 would tell CI scripts that the definition could not be read.
func (o *outputFlags) write(env *Env, r *report.Report) error {
	wd, _ := os.Getwd()
	opts := report.Options{BaseDir: wd, FailOn: o.failOn}
	if o.output == "" || o.output == "-" {
		opts.Color = o.format == "text" && isTerminal(env.Stdout) && os.Getenv("NO_COLOR") == ""
		if err := report.Write(env.Stdout, o.format, r, opts); err != nil {
			return internalErr(fmt.Errorf("writing the %s report to standard output: %w", o.format, err))
		}
		return nil
	}
	if err := report.WriteFile(o.output, o.format, r, opts); err != nil {
		// A *report.FileError names the file too: the message names it
		// once, with the cause.
		var fe *report.FileError
		if errors.As(err, &fe) {
			err = fe.Err
		}
		return internalErr(fmt.Errorf("writing the %s report to %s: %w", o.format, o.output, err))
	}
	return nil
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
