package firewall

// e2eBodyCases are the end-to-end cases about request bodies read the way
// lenient upstream parsers read them (multipart framing and parts,
// url-encoded forms), against firewall "bodies" (testdata/e2e-bodies.yaml).
func e2eBodyCases() []e2eCase {
	return []e2eCase{
		{"bodies form accepted", "bodies", "POST", "/v1/bodies/form", nil, "application/x-www-form-urlencoded", "name=pen&count=3", 201, true, ""},
	}
}
