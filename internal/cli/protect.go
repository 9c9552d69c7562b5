package cli

import (
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/rampart-sec/rampart/internal/firewall"
	"github.com/spf13/cobra"
)

func init() {
	register(func(env *Env) *cobra.Command {
		var (
			sf        specFlags
			cfgFile   string
			flagCfg   firewall.Config
			gcPercent int
			logLevel  string
			basePath  string
		)
		cmd := &cobra.Command{
			Use:   "protect --spec SPEC --upstream URL",
			Short: "Run a reverse proxy that lets through only what the contract allows",
			Long: `Protect runs a contract-enforcing reverse proxy (API firewall) in front of
an upstream. Requests pass a fixed pipeline of stages (routing, size and
content-type limits, request validation, ...) and responses are validated
before they reach the client. Every transaction is written to the audit log
as one JSON line. See docs/protect.md.

Flags override the config file. Reload the contract and the config file
with SIGHUP or by editing either (listeners, TLS, timeouts, the upstream,
the audit log and the stores take a restart); SIGUSR1 reopens the audit
log file (rotation); SIGTERM drains in-flight requests and exits.`,
			Example: `  rampart protect --spec api.yaml --upstream http://127.0.0.1:8000
  rampart protect --spec api.yaml --upstream http://127.0.0.1:8000 --mode monitor --log audit.jsonl
  rampart protect --config protect.yaml --tls-cert cert.pem --tls-key key.pem`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				// Validation allocates per request; the default GC target
				// (100) spends a large share of a core collecting. 400
				// measured ~40% more throughput (docs/benchmarks.md).
				if os.Getenv("GOGC") == "" && gcPercent > 0 {
					debug.SetGCPercent(gcPercent)
				}
				// readConfig is the configuration as the command line
				// gives it: the file, then the flags set over it. A reload
				// reads it again, so the flags keep winning.
				f := cmd.Flags()
				readConfig := func() (firewall.Config, error) {
					var cfg firewall.Config
					if cfgFile != "" {
						c, err := firewall.LoadConfigFile(cfgFile)
						if err != nil {
							return cfg, err
						}
						cfg = c
					}
					set := func(name string, dst *string, v string) {
						if f.Changed(name) || *dst == "" {
							*dst = v
						}
					}
					set("spec", &cfg.Spec, flagCfg.Spec)
					set("upstream", &cfg.Upstream, flagCfg.Upstream)
					set("listen", &cfg.Listen, flagCfg.Listen)
					set("admin", &cfg.Admin, flagCfg.Admin)
					set("mode", &cfg.Mode, flagCfg.Mode)
					set("response-mode", &cfg.ResponseMode, flagCfg.ResponseMode)
					set("tls-cert", &cfg.TLSCert, flagCfg.TLSCert)
					set("tls-key", &cfg.TLSKey, flagCfg.TLSKey)
					set("log", &cfg.Log, flagCfg.Log)
					if f.Changed("open-objects") {
						cfg.OpenObjects = sf.openObjects
					}
					if f.Changed("base-path") {
						cfg.BasePath = &basePath
					}
					if f.Changed("max-body") && flagCfg.Limits.MaxBodyBytes < 1 {
						// 0 would read as unset, the 1 MiB default.
						return cfg, fmt.Errorf("--max-body %d: the limit must be at least 1 byte", flagCfg.Limits.MaxBodyBytes)
					}
					if f.Changed("max-body") || cfg.Limits.MaxBodyBytes == 0 {
						cfg.Limits.MaxBodyBytes = flagCfg.Limits.MaxBodyBytes
					}
					if err := sf.validate(); err != nil {
						return cfg, err
					}
					opts := sf.options(env)
					opts.OpenObjects = cfg.OpenObjects
					cfg.SpecOptions = opts
					return cfg, nil
				}
				cfg, err := readConfig()
				if err != nil {
					return usageErr(err)
				}

				var level slog.Level
				if err := level.UnmarshalText([]byte(logLevel)); err != nil {
					return usageErr(fmt.Errorf("--log-level: %w", err))
				}
				logger := slog.New(slog.NewJSONHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
				defer routeStandardLog(logger)()
				defer firewall.RouteRedisLog(logger)()
				// The root command set the runtime's soft memory limit under
				// a container's; with the high GC target above that matters
				// most here, so say so.
				if env.MemoryLimit.Soft > 0 {
					logger.Info("memory limit from the container", "cgroup_limit_bytes", env.MemoryLimit.Cgroup, "go_soft_limit_bytes", env.MemoryLimit.Soft)
				}

				// A log file is opened by the server, which continues its
				// hash chain when the tamper-evident log is enabled and
				// writes the final checkpoint on shutdown.
				var audit io.Writer
				if cfg.Log == "" || cfg.Log == "-" {
					audit = env.Stdout
				}
				srv, err := firewall.New(cmd.Context(), cfg, logger, audit)
				if err != nil {
					if errors.Is(err, cmd.Context().Err()) && cmd.Context().Err() != nil {
						return err
					}
					return usageErr(err)
				}
				if cfgFile != "" {
					srv.SetConfigSource(cfgFile, readConfig)
				}
				if err := srv.Run(cmd.Context()); err != nil {
					return internalErr(err)
				}
				return nil
			},
		}
		f := cmd.Flags()
		sf.bind(cmd)
		f.StringVar(&cfgFile, "config", "", "YAML configuration file (flags override it)")
		f.StringVar(&flagCfg.Spec, "spec", "", "OpenAPI definition to enforce")
		f.StringVar(&flagCfg.Upstream, "upstream", "", "upstream base URL, e.g. http://127.0.0.1:8000")
		f.StringVar(&flagCfg.Listen, "listen", firewall.DefaultListen, "address the proxy listens on")
		f.StringVar(&flagCfg.Admin, "admin", firewall.DefaultAdmin, "address of /healthz, /readyz, /metrics and POST /denylist (keep it private)")
		f.StringVar(&flagCfg.Mode, "mode", "block", "request mode: block or monitor")
		f.StringVar(&flagCfg.ResponseMode, "response-mode", "", "response mode: block, strip, monitor or off (default: as --mode)")
		f.StringVar(&flagCfg.TLSCert, "tls-cert", "", "TLS certificate (PEM); enables HTTPS and HTTP/2")
		f.StringVar(&flagCfg.TLSKey, "tls-key", "", "TLS private key (PEM)")
		f.StringVar(&flagCfg.Log, "log", "", "audit log file, JSON lines (default: standard output)")
		f.Int64Var(&flagCfg.Limits.MaxBodyBytes, "max-body", 1<<20, "largest request body, in bytes")
		f.StringVar(&basePath, "base-path", "", "route under this base path instead of the spec's servers")
		f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
		f.IntVar(&gcPercent, "gogc", 400, "garbage-collection target percentage (the GOGC environment variable wins); higher trades memory for throughput")
		return cmd
	})
}

// routeStandardLog sends what is written through the standard logger to
// logger's handler, as warnings, until the returned function restores it.
// net/http's Transport (and the HTTP/2 code under it) reports there what
// it cannot return as an error ("Unsolicited response received on idle
// HTTP channel" for an upstream 204 that carries a body); as bare text it
// would break the JSON lines of the operational log on standard error.
// The servers have an ErrorLog of their own; the Transport has none.
func routeStandardLog(logger *slog.Logger) (restore func()) {
	w, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
	// The handler stamps the time; the logger's flags would repeat it
	// inside the message.
	log.SetOutput(slog.NewLogLogger(logger.Handler(), slog.LevelWarn).Writer())
	log.SetFlags(0)
	log.SetPrefix("")
	return func() {
		log.SetOutput(w)
		log.SetFlags(flags)
		log.SetPrefix(prefix)
	}
}
