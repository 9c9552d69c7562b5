package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/rampart-sec/rampart/internal/spec"
	"github.com/spf13/cobra"
)

func init() {
	register(func(env *Env) *cobra.Command {
		spc := &cobra.Command{
			Use:   "spec",
			Short: "Work with OpenAPI definitions (inspect)",
		}
		var sf specFlags
		var format string
		inspect := &cobra.Command{
			Use:   "inspect SPEC",
			Short: "Show what Rampart understands of a definition: servers, security, operations",
			Example: `  rampart spec inspect examples/petstore-3.1.yaml
  rampart spec inspect --format json api.yaml | jq '.operations | length'
  cat api.yaml | rampart spec inspect -`,
			Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				// Reading and rendering are not cancellable everywhere (a FIFO,
				// a large report): an interrupt ends the process within 2 s.
				env.stopPromptly(interruptGrace)
				name, ok := formatName(format, "text", "json")
				if !ok {
					return usageErr(fmt.Errorf("unknown --format %q (want text or json)", format))
				}
				format = name
				if err := sf.validate(); err != nil {
					return err
				}
				doc, err := loadSpec(cmd.Context(), env, args[0], &sf)
				if err != nil {
					return err
				}
				if cerr := doc.CompileAll(cmd.Context()); cerr != nil {
					doc.Problems = append(doc.Problems, spec.Problem{Code: "schema-compile", Message: cerr.Error(), Error: true})
				}
				doc.Problems = append(doc.Problems, doc.SchemaProblems()...)
				view := inspectView(doc)
				if format == "json" {
					enc := json.NewEncoder(env.Stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(view)
				}
				writeInspectText(env.Stdout, view)
				return nil
			},
		}
		sf.bind(inspect)
		inspect.Flags().StringVar(&format, "format", "text", "output format: text or json")
		spc.AddCommand(inspect)
		return spc
	})
}

type inspectOut struct {
	Spec            string          `json:"spec"`
	OpenAPI         string          `json:"openapi"`
	Title           string          `json:"title"`
	Version         string          `json:"version"`
	Valid           bool            `json:"valid"`
	Servers         []string        `json:"servers"`
	SecuritySchemes []inspectScheme `json:"security_schemes"`
	Security        []string        `json:"security"`
	Operations      []inspectOp     `json:"operations"`
	Webhooks        []inspectOp     `json:"webhooks,omitempty"`
	Problems        []inspectProb   `json:"problems"`
}

type inspectScheme struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Detail string   `json:"detail,omitempty"`
	Flows  []string `json:"flows,omitempty"`
}

type inspectOp struct {
	Method       string   `json:"method"`
	Path         string   `json:"path"`
	OperationID  string   `json:"operation_id,omitempty"`
	Security     []string `json:"security"`
	RequestTypes []string `json:"request_media_types,omitempty"`
	Responses    []string `json:"responses"`
	Line         int      `json:"line"`
}

type inspectProb struct {
	Code     string `json:"code"`
	Error    bool   `json:"error"`
	Message  string `json:"message"`
	Location string `json:"location"`
}

func requirementsString(reqs []spec.SecurityRequirement) []string {
	if reqs == nil {
		return []string{}
	}
	out := []string{}
	for _, r := range reqs {
		if len(r.Schemes) == 0 {
			out = append(out, "anonymous")
			continue
		}
		var parts []string
		for _, s := range r.Schemes {
			p := s.Name
			if len(s.Scopes) > 0 {
				p += "[" + strings.Join(s.Scopes, ",") + "]"
			}
			parts = append(parts, p)
		}
		out = append(out, strings.Join(parts, "+"))
	}
	return out
}

func inspectView(d *spec.Document) inspectOut {
	v := inspectOut{Spec: d.Path, OpenAPI: d.Version, Title: d.Title, Version: d.APIVersion, Valid: d.Valid(),
		Servers: []string{}, SecuritySchemes: []inspectScheme{}, Operations: []inspectOp{}, Problems: []inspectProb{}}
	for _, s := range d.Servers {
		v.Servers = append(v.Servers, s.URL)
	}
	names := make([]string, 0, len(d.SecuritySchemes))
	for n := range d.SecuritySchemes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := d.SecuritySchemes[n]
		is := inspectScheme{Name: n, Type: s.Type}
		switch s.Type {
		case "http":
			is.Detail = s.Scheme
			if s.BearerFormat != "" {
				is.Detail += " (" + s.BearerFormat + ")"
			}
		case "apiKey":
			is.Detail = s.ParamName + " in " + s.In
		case "openIdConnect":
			is.Detail = s.OpenIDConnectURL
		}
		for f := range s.Flows {
			is.Flows = append(is.Flows, f)
		}
		sort.Strings(is.Flows)
		v.SecuritySchemes = append(v.SecuritySchemes, is)
	}
	v.Security = requirementsString(d.Security)
	conv := func(op *spec.Operation) inspectOp {
		o := inspectOp{Method: op.Method, Path: op.Path, OperationID: op.OperationID, Security: requirementsString(op.Security), Responses: []string{}}
		o.Line = d.Locate(op.Ref).Line
		if op.RequestBody != nil {
			for mt := range op.RequestBody.Content {
				o.RequestTypes = append(o.RequestTypes, mt)
			}
			sort.Strings(o.RequestTypes)
		}
		for _, r := range op.Responses {
			o.Responses = append(o.Responses, r.Code)
		}
		return o
	}
	for _, op := range d.Operations {
		v.Operations = append(v.Operations, conv(op))
	}
	for _, op := range d.Webhooks {
		v.Webhooks = append(v.Webhooks, conv(op))
	}
	for _, p := range d.Problems {
		v.Problems = append(v.Problems, inspectProb{Code: p.Code, Error: p.Error, Message: p.Message, Location: p.Loc.String()})
	}
	return v
}

func writeInspectText(w io.Writer, v inspectOut) {
	valid := "valid"
	if !v.Valid {
		valid = "INVALID"
	}
	fmt.Fprintf(w, "%s\n  OpenAPI %s, %q version %s (%s)\n", v.Spec, v.OpenAPI, v.Title, v.Version, valid)
	fmt.Fprintf(w, "\nServers:\n")
	if len(v.Servers) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, s := range v.Servers {
		fmt.Fprintf(w, "  %s\n", s)
	}
	fmt.Fprintf(w, "\nSecurity schemes:\n")
	if len(v.SecuritySchemes) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, s := range v.SecuritySchemes {
		line := fmt.Sprintf("  %-20s %s", s.Name, s.Type)
		if s.Detail != "" {
			line += " " + s.Detail
		}
		if len(s.Flows) > 0 {
			line += " flows: " + strings.Join(s.Flows, ", ")
		}
		fmt.Fprintln(w, line)
	}
	glob := "none declared"
	if v.Security != nil && len(v.Security) == 0 {
		glob = "none (security: [])"
	}
	if len(v.Security) > 0 {
		glob = strings.Join(v.Security, " | ")
	}
	fmt.Fprintf(w, "\nGlobal security: %s\n", glob)
	writeOps := func(title string, ops []inspectOp) {
		fmt.Fprintf(w, "\n%s (%d):\n", title, len(ops))
		tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "  METHOD\tPATH\tOPERATION ID\tSECURITY\tREQUEST\tRESPONSES")
		for _, o := range ops {
			sec := strings.Join(o.Security, " | ")
			if sec == "" {
				sec = "-"
			}
			req := strings.Join(o.RequestTypes, ",")
			if req == "" {
				req = "-"
			}
			id := o.OperationID
			if id == "" {
				id = "-"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", o.Method, o.Path, id, sec, req, strings.Join(o.Responses, ","))
		}
		tw.Flush()
	}
	writeOps("Operations", v.Operations)
	if len(v.Webhooks) > 0 {
		writeOps("Webhooks", v.Webhooks)
	}
	if len(v.Problems) > 0 {
		fmt.Fprintf(w, "\nProblems (%d):\n", len(v.Problems))
		for _, p := range v.Problems {
			kind := "warning"
			if p.Error {
				kind = "error"
			}
			fmt.Fprintf(w, "  %s %s %s: %s\n", kind, p.Code, p.Location, p.Message)
		}
	}
}
