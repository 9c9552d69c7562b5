package scan_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/rampart-sec/rampart/internal/scan/config"
)

// The items API the authorization and DELETE tests share: POST /items
// creates an item, GET /items/{id} reads one and, when the test needs it,
// DELETE /items/{id} deletes one, every operation behind a bearer token.
var (
	// itemsAPI has no DELETE.
	itemsAPI = itemsSpec(false, "")
	// ownedItemsAPI adds DELETE /items/{id}.
	ownedItemsAPI = itemsSpec(true, "")
	// reasonedDeleteAPI's DELETE requires a query parameter (an enum).
	reasonedDeleteAPI = itemsSpec(true, "        - {name: reason, in: query, required: true, schema: {type: string, enum: [expired, duplicate]}}\n")
)

var (
	validName = regexp.MustCompile(`^[a-z]{1,16}$`)
	validID   = regexp.MustCompile(`^[0-9]{1,8}$`)
)

func itemsSpec(withDelete bool, deleteParams string) string {
	s := `openapi: 3.0.3
info: {title: items, version: '1'}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Item:
      type: object
      additionalProperties: false
      required: [id, name]
      properties:
        id: {type: string, pattern: '^[0-9]{1,8}$', maxLength: 8}
        name: {type: string, pattern: '^[a-z]{1,16}$', maxLength: 16}
security: [{bearer: []}]
paths:
  /items:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [name]
              properties:
                name: {type: string, pattern: '^[a-z]{1,16}$', maxLength: 16}
      responses:
        '201': {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}
        '400': {description: bad}
        '401': {description: no}
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, pattern: '^[0-9]{1,8}$', maxLength: 8}}
    get:
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}
        '400': {description: bad}
        '401': {description: no}
        '404': {description: none}
`
	if !withDelete {
		return s
	}
	s += "    delete:\n"
	if deleteParams != "" {
		s += "      parameters:\n" + deleteParams
	}
	return s + `      responses:
        '204': {description: deleted}
        '400': {description: bad}
        '401': {description: no}
        '404': {description: none}
`
}

// bearerIdentities configures one identity per name, each with the bearer
// token "<name>-token"; bearerUser reads the name back from a request.
func bearerIdentities(names ...string) *config.Config {
	cfg := &config.Config{}
	for _, n := range names {
		cfg.Identities = append(cfg.Identities, config.Identity{Name: n, Credentials: map[string]config.Credential{"bearer": {Token: n + "-token"}}})
	}
	return cfg
}

func bearerUser(r *http.Request) (string, bool) {
	user, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	user, _ = strings.CutSuffix(user, "-token")
	return user, ok
}

// readNewItem reads the body of POST /items as the contract has it (JSON,
// a lower-case name and nothing else) and answers 400 when it is not.
func readNewItem(w http.ResponseWriter, r *http.Request) (name string, ok bool) {
	var in struct {
		Name string `json:"name"`
	}
	d := json.NewDecoder(r.Body)
	d.DisallowUnknownFields()
	if d.Decode(&in) != nil || !validName.MatchString(in.Name) || r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusBadRequest)
		return "", false
	}
	return in.Name, true
}
