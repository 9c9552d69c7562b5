package cli

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/rampart-sec/rampart/internal/firewall/tamperlog"
	"github.com/spf13/cobra"
)

func init() {
	register(func(env *Env) *cobra.Command {
		logCmd := &cobra.Command{
			Use:   "log",
			Short: "Tamper-evident audit log: verify a log, create a signing key pair",
		}

		var keyPath, format string
		var requireCovered, requireFinal, requireAttested bool
		verify := &cobra.Command{
			Use:   "verify FILE [FILE...]",
			Short: "Check an audit log's hash chain and signed checkpoints",
			Long: `Check an audit log's hash chain and its Ed25519-signed checkpoints.

Reports the first altered, removed or reordered record, and how many
trailing records no checkpoint covers yet (records after the last
checkpoint could be removed without a trace). After a crash, the
restarted firewall signs the log as it found it: the records the crashed
run had not checkpointed, and a line the crash cut mid-write, are then
named as signed only at the restart.

Several files are the pieces of one rotated log, oldest first: each is
verified on its own, and each must continue the chain where the one
before it ends (a missing file, files out of order, or a replaced one
fail).

Exit codes: 0 the log is intact, 1 tampering found (or, with
--require-covered / --require-final / --require-attested, uncovered
records, no final checkpoint, or a run that ended without a final
checkpoint before a restart), 2 unreadable file or key.`,
			Example: `  rampart log verify /var/log/rampart/audit.log --key audit.pub
  rampart log verify audit.log --key audit.pub --require-covered --format json
  rampart log verify audit.log.2 audit.log.1 audit.log --key audit.pub`,
			Args: cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				// Reading and rendering are not cancellable everywhere (a FIFO,
				// a large report): an interrupt ends the process within 2 s.
				env.stopPromptly(interruptGrace)
				name, ok := formatName(format, "text", "json")
				if !ok {
					return usageErr(fmt.Errorf("unknown --format %q (want text or json)", format))
				}
				format = name
				if keyPath == "" {
					return usageErr(errors.New("--key PUB is required (the public key printed by `rampart log keygen`)"))
				}
				pub, err := tamperlog.LoadPublicKeyFile(keyPath)
				if err != nil {
					return usageErr(fmt.Errorf("reading --key: %w", err))
				}
				if len(args) > 1 && slices.Contains(args, "-") {
					return usageErr(errors.New("standard input (-) can only be verified alone"))
				}
				reps := make([]*tamperlog.Report, len(args))
				links := make([]*tamperlog.Problem, len(args))
				for i, name := range args {
					rep, err := verifyLogFile(env.Stdin, name, pub)
					if err != nil {
						return usageErr(err)
					}
					reps[i] = rep
					if i > 0 && reps[i-1].OK() && rep.OK() {
						links[i] = tamperlog.Continues(reps[i-1], rep)
					}
				}
				if format == "json" {
					enc := json.NewEncoder(env.Stdout)
					enc.SetIndent("", "  ")
					var v any = reps[0]
					if len(args) > 1 {
						type fileReport struct {
							File string             `json:"file"`
							Link *tamperlog.Problem `json:"continuity_problem,omitempty"`
							*tamperlog.Report
						}
						out := make([]fileReport, len(args))
						for i := range args {
							out[i] = fileReport{File: args[i], Link: links[i], Report: reps[i]}
						}
						v = map[string]any{"files": out}
					}
					if err := enc.Encode(v); err != nil {
						return internalErr(err)
					}
				} else {
					for i, name := range args {
						writeVerifyText(env.Stdout, name, reps[i])
						if links[i] != nil {
							fmt.Fprintf(env.Stdout, "%s: DOES NOT CONTINUE %s\n  %s: %s\n", name, args[i-1], links[i].Kind, links[i].Message)
						}
					}
					if len(args) > 1 && reps[len(args)-1].OK() && !slices.ContainsFunc(links, func(p *tamperlog.Problem) bool { return p != nil }) {
						fmt.Fprintf(env.Stdout, "each file continues the one before it: seq %d-%d\n", reps[0].StartSeq+1, reps[len(args)-1].LastSeq)
					}
				}
				for i, name := range args {
					rep := reps[i]
					switch {
					case !rep.OK():
						return failed(fmt.Sprintf("%s: %s at line %d", name, rep.Problem.Kind, rep.Problem.Line))
					case links[i] != nil:
						return failed(fmt.Sprintf("%s does not continue %s: %s", name, args[i-1], links[i].Kind))
					case requireCovered && rep.Uncovered > 0:
						return failed(fmt.Sprintf("%s: %d trailing records are not covered by a checkpoint", name, rep.Uncovered))
					case requireFinal && !rep.Final:
						return failed(fmt.Sprintf("%s: the log does not end with a final checkpoint", name))
					case requireAttested && rep.Unattested() > 0:
						return failed(fmt.Sprintf("%s: %d records were signed only at a restart after a crash", name, rep.Unattested()))
					case requireAttested && len(rep.Restarts) > 0:
						// The file cannot tell a crash from a cut back to
						// one of the run's checkpoints: records that run
						// signed after it may have been removed.
						return failed(fmt.Sprintf("%s: a run ended without a final checkpoint before the restart at line %d (a crash, or records removed back to a checkpoint)", name, rep.Restarts[0].Line))
					}
				}
				return nil
			},
		}
		verify.Flags().StringVar(&keyPath, "key", "", "Ed25519 public key (PEM) that signed the checkpoints")
		verify.Flags().StringVar(&format, "format", "text", "output format: text or json")
		verify.Flags().BoolVar(&requireCovered, "require-covered", false, "fail when trailing records are not covered by a checkpoint")
		verify.Flags().BoolVar(&requireFinal, "require-final", false, "fail when the log does not end with a final (shutdown) checkpoint")
		verify.Flags().BoolVar(&requireAttested, "require-attested", false, "fail when a run ended without a final checkpoint before a restart (a crash, or records removed back to a checkpoint, which look alike), naming records signed only at the restart")
		logCmd.AddCommand(verify)

		var privOut, pubOut string
		var force bool
		keygen := &cobra.Command{
			Use:   "keygen",
			Short: "Create an Ed25519 key pair for signing audit-log checkpoints",
			Long: `Create an Ed25519 key pair for signing audit-log checkpoints.

The private key (PKCS #8 PEM, mode 0600) goes in the firewall's
configuration (audit.tamper_evident.signing_key); keep the public key
(PKIX PEM) where auditors can get it, away from the firewall host, so
that whoever controls the host cannot swap it.`,
			Example: `  rampart log keygen --private audit.key --public audit.pub`,
			Args:    cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if privOut == "" || pubOut == "" {
					return usageErr(errors.New("--private FILE and --public FILE are both required"))
				}
				if privOut == pubOut {
					return usageErr(errors.New("--private and --public must be different files"))
				}
				id, err := tamperlog.GenerateKeyFiles(privOut, pubOut, force)
				if err != nil {
					return usageErr(err)
				}
				fmt.Fprintf(env.Stdout, "wrote private key %s (keep it secret) and public key %s\nkey id %s\n", privOut, pubOut, id)
				return nil
			},
		}
		keygen.Flags().StringVar(&privOut, "private", "", "file to write the private key to")
		keygen.Flags().StringVar(&pubOut, "public", "", "file to write the public key to")
		keygen.Flags().BoolVar(&force, "force", false, "overwrite existing key files")
		logCmd.AddCommand(keygen)
		return logCmd
	})
}

// verifyLogFile verifies one file, or standard input for "-".
func verifyLogFile(stdin io.Reader, name string, pub ed25519.PublicKey) (*tamperlog.Report, error) {
	in := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	rep, err := tamperlog.Verify(in, pub)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return rep, nil
}

func writeVerifyText(w io.Writer, name string, rep *tamperlog.Report) {
	if rep.OK() {
		fmt.Fprintf(w, "%s: intact\n", name)
	} else {
		fmt.Fprintf(w, "%s: TAMPERED\n  %s at line %d: %s\n", name, rep.Problem.Kind, rep.Problem.Line, rep.Problem.Message)
		fmt.Fprintf(w, "  (counts below stop at the first problem)\n")
	}
	fmt.Fprintf(w, "  records: %d (last seq %d), checkpoints: %d, key %s\n", rep.Records, rep.LastSeq, rep.Checkpoints, rep.KeyID)
	fmt.Fprintf(w, "  covered by a signed checkpoint: up to seq %d\n", rep.CoveredSeq)
	if rep.Uncovered > 0 {
		fmt.Fprintf(w, "  warning: %d trailing records are not covered by a checkpoint yet\n", rep.Uncovered)
	}
	for _, r := range rep.Restarts {
		fmt.Fprintf(w, "  note: the writer restarted at line %d after a run that ended without a final checkpoint (a crash or kill, or the log cut back to one of that run's checkpoints: the file cannot tell them apart)", r.Line)
		switch {
		case r.FromSeq > 0 && r.FromSeq == r.ToSeq:
			fmt.Fprintf(w, "; record %d, written after that run's last checkpoint, was signed only at the restart", r.FromSeq)
		case r.FromSeq > 0:
			fmt.Fprintf(w, "; records %d-%d, written after that run's last checkpoint, were signed only at the restart", r.FromSeq, r.ToSeq)
		}
		if r.TornLine > 0 {
			fmt.Fprintf(w, "; line %d is a write the crash cut, as the restart found it", r.TornLine)
		}
		fmt.Fprintln(w)
	}
	if rep.OK() && !rep.Final {
		fmt.Fprintf(w, "  note: no final checkpoint at the end (the writer is still running, crashed, or the log was cut)\n")
	}
}
