package firewall

// e2eParamCases are the end-to-end cases about parameter names and values
// read the way lenient upstream parsers read them, against firewall
// "params" (testdata/e2e-params.yaml).
func e2eParamCases() []e2eCase {
	return []e2eCase{
		{"params query accepted", "params", "GET", "/v1/params/query?limit=5&q=pen", nil, "", "", 200, true, ""},
	}
}
