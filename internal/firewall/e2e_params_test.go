package firewall

// e2eParamCases are the end-to-end cases about parameter names and values
// read the way lenient upstream parsers read them, against firewall
// "params" (testdata/e2e-params.yaml).
func e2eParamCases() []e2eCase {
	const amb, inv, undecl, proto = "parameter-ambiguous", "parameter-invalid", "query-parameter-undeclared", "json-prototype-key"
	return []e2eCase{
		{"params query accepted", "params", "GET", "/v1/params/query?limit=5&q=pen", nil, "", "", 200, true, ""},

		// An exploded free-form object: the keys it takes are validated
		// against additionalProperties, typed.
		{"params free-form object integer", "params", "GET", "/v1/params/free?a=1&b=2", nil, "", "", 200, true, ""},
		{"params free-form object beside a declared name", "params", "GET", "/v1/params/free?limit=5&a=1", nil, "", "", 200, true, ""},
		{"params free-form object not an integer", "params", "GET", "/v1/params/free?a=x", nil, "", "", 400, false, inv},
		{"params free-form object given twice", "params", "GET", "/v1/params/free?a=1&a=2", nil, "", "", 400, false, amb},
		{"params typed exploded object", "params", "GET", "/v1/params/typed?x=1&y=2", nil, "", "", 200, true, ""},
		{"params typed exploded object wrong type", "params", "GET", "/v1/params/typed?x=z", nil, "", "", 400, false, inv},
		{"params typed exploded object other key", "params", "GET", "/v1/params/typed?x=1&z=2", nil, "", "", 400, false, undecl},
	}
}
