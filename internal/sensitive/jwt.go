package sensitive

import "regexp"

// signedJWT matches a signed JWS in compact form whose header is a JSON
// object ("eyJ" is the base64url of `{"`): header, payload and a
// non-empty signature. An unsigned token (alg none, empty signature) is
// not a credential anyone issued, and stays readable as evidence.
var signedJWT = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{8,}`)

// RedactSignedJWTs replaces with mark every signed JWT in text: a bearer
// token an API issued in an answer (a login's response body) is a
// credential, whoever it was issued to.
func RedactSignedJWTs(text, mark string) string {
	if len(text) < 20 {
		return text
	}
	return signedJWT.ReplaceAllString(text, mark)
}
