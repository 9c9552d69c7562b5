package firewall

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// e2eParamCases are the end-to-end cases about parameter names and values
// read the way lenient upstream parsers read them, against firewall
// "params" (testdata/e2e-params.yaml).
func e2eParamCases() []e2eCase {
	const amb, inv, undecl, proto = "parameter-ambiguous", "parameter-invalid", "query-parameter-undeclared", "json-prototype-key"
	return []e2eCase{
		{"params adjacent variables, first value", "params", "GET", "/v1/params/pages/about.json", nil, "", "", 200, true, ""},
		{"params adjacent variables, second value", "params", "GET", "/v1/params/pages/about.xml", nil, "", "", 200, true, ""},
		{"params adjacent variables, value not listed", "params", "GET", "/v1/params/pages/about.txt", nil, "", "", 404, false, "route-not-found"},
		{"params adjacent variables, value missing", "params", "GET", "/v1/params/pages/about", nil, "", "", 404, false, "route-not-found"},
		{"params adjacent variables, first invalid", "params", "GET", "/v1/params/pages/About.json", nil, "", "", 400, false, "parameter-invalid"},
		{"params JSON parameter, union counted, shallow", "params", "GET", "/v1/params/tree?filter=" + url.QueryEscape(`{"id":1,"children":[{"name":"a"}]}`), nil, "", "", 200, true, ""},
		{"params JSON parameter, union counted, deep", "params", "GET", "/v1/params/tree?filter=" + url.QueryEscape(strings.Repeat(`{"id":1,"children":[`, 24)+`{"id":1}`+strings.Repeat(`]}`, 24)), nil, "", "", 400, false, "body-too-costly"},
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

		// An API key in the query is declared by the operation's
		// security requirement (checked by authentication when it is
		// configured), not taken by a free-form object; on an operation
		// that does not use the scheme it is an undeclared parameter.
		{"params query API key beside a free-form object", "params", "GET", "/v1/params/keyed?api_key=k-1&a=1", nil, "", "", 200, true, ""},
		{"params query API key alone", "params", "GET", "/v1/params/keyed?api_key=k-1", nil, "", "", 200, true, ""},
		{"params query API key on an operation without that scheme", "params", "GET", "/v1/params/query?api_key=k-1", nil, "", "", 400, false, undecl},

		// Items the style can only carry as text (objects in a form
		// array, nested arrays) are read as JSON, the media type OpenAPI
		// gives object values by default, and validated as such.
		{"params JSON object items accepted", "params", "GET", `/v1/params/jsonitems?filters=%7B%22a%22%3A1%7D&filters=%7B%22a%22%3A2%7D`, nil, "", "", 200, true, ""},
		{"params JSON object item out of range", "params", "GET", `/v1/params/jsonitems?filters=%7B%22a%22%3A500%7D`, nil, "", "", 400, false, inv},
		{"params JSON object item with an undeclared key", "params", "GET", `/v1/params/jsonitems?filters=%7B%22b%22%3A1%7D`, nil, "", "", 400, false, inv},
		{"params object item that is not JSON", "params", "GET", "/v1/params/jsonitems?filters=a", nil, "", "", 400, false, inv},
		{"params JSON object item with a duplicate key", "params", "GET", `/v1/params/jsonitems?filters=%7B%22a%22%3A1%2C%22a%22%3A500%7D`, nil, "", "", 400, false, "duplicate-key"},
		{"params JSON object item with a prototype key", "params", "GET", `/v1/params/jsonitems?filters=%7B%22__proto__%22%3A%7B%7D%7D`, nil, "", "", 400, false, proto},
		{"params nested array header items accepted", "params", "GET", "/v1/params/jsonitems", h("X-Grid", "[1],[2]"), "", "", 200, true, ""},
		{"params nested array header item of the wrong type", "params", "GET", "/v1/params/jsonitems", h("X-Grid", `["x"]`), "", "", 400, false, inv},

		// deepObject on an array (Stripe's expand[]): the bracket forms
		// qs, PHP and Rails read as an array, not mixed, indices in order.
		{"params deepObject array with brackets", "params", "GET", "/v1/params/deeparray?expand[]=a&expand[]=b", nil, "", "", 200, true, ""},
		{"params deepObject array with indices", "params", "GET", "/v1/params/deeparray?expand[0]=a&expand[1]=b", nil, "", "", 200, true, ""},
		{"params deepObject array item too long", "params", "GET", "/v1/params/deeparray?expand[]=abcdef", nil, "", "", 400, false, inv},
		{"params deepObject array too many items", "params", "GET", "/v1/params/deeparray?expand[]=a&expand[]=b&expand[]=c", nil, "", "", 400, false, inv},
		{"params deepObject array index out of order", "params", "GET", "/v1/params/deeparray?expand[1]=a", nil, "", "", 400, false, amb},
		{"params deepObject array forms mixed", "params", "GET", "/v1/params/deeparray?expand[]=a&expand[0]=b", nil, "", "", 400, false, amb},
		{"params deepObject array bare name", "params", "GET", "/v1/params/deeparray?expand=a", nil, "", "", 400, false, amb},
		// A path parameter marked x-multi-segment (GitHub's file paths)
		// spans segments; its value is validated whole.
		{"params multi-segment path", "params", "GET", "/v1/params/files/docs/guide/readme.md", nil, "", "", 200, true, ""},
		{"params multi-segment path, one segment", "params", "GET", "/v1/params/files/readme.md", nil, "", "", 200, true, ""},
		{"params multi-segment path invalid", "params", "GET", "/v1/params/files/docs/readme.txt", nil, "", "", 400, false, inv},
		{"params multi-segment path with a dot-segment", "params", "GET", "/v1/params/files/docs/../readme.md", nil, "", "", 400, false, "ambiguous-path"},
		// deepObject on a schema that admits a scalar too (Stripe's
		// created=1700000000, tax_rates=): the bare name is the scalar.
		{"params deepObject scalar under the bare name", "params", "GET", "/v1/params/deepscalar?created=1700000000", nil, "", "", 200, true, ""},
		{"params deepObject scalar object in brackets", "params", "GET", "/v1/params/deepscalar?created[gte]=1700000000", nil, "", "", 200, true, ""},
		{"params deepObject scalar invalid", "params", "GET", "/v1/params/deepscalar?created=-1", nil, "", "", 400, false, inv},
		{"params deepObject scalar not a number", "params", "GET", "/v1/params/deepscalar?created=soon", nil, "", "", 400, false, inv},
		{"params deepObject scalar beside brackets", "params", "GET", "/v1/params/deepscalar?created=1&created[gt]=2", nil, "", "", 400, false, amb},
		{"params deepObject scalar twice", "params", "GET", "/v1/params/deepscalar?created=1&created=2", nil, "", "", 400, false, amb},
		{"params deepObject array cleared", "params", "GET", "/v1/params/deepscalar?tax_rates=", nil, "", "", 200, true, ""},
		{"params deepObject array or string, array", "params", "GET", "/v1/params/deepscalar?tax_rates[]=txr_1&tax_rates[]=txr_2", nil, "", "", 200, true, ""},
		{"params deepObject array or string, other string", "params", "GET", "/v1/params/deepscalar?tax_rates=txr_1", nil, "", "", 400, false, inv},
		// An object or a string, exploded: the properties' pairs, or
		// the string under the name.
		{"params object or string, the string", "params", "GET", "/v1/params/deepscalar?sort=date", nil, "", "", 200, true, ""},
		{"params object or string, the object", "params", "GET", "/v1/params/deepscalar?field=date&dir=desc", nil, "", "", 200, true, ""},
		{"params object or string, invalid property", "params", "GET", "/v1/params/deepscalar?field=date&dir=up", nil, "", "", 400, false, inv},
		{"params object or string, both", "params", "GET", "/v1/params/deepscalar?sort=date&dir=desc", nil, "", "", 400, false, ""},
		// A string or an array of them, exploded: repeated, the array.
		{"params string or array, one", "params", "GET", "/v1/params/deepscalar?domain=a.example", nil, "", "", 200, true, ""},
		{"params string or array, repeated", "params", "GET", "/v1/params/deepscalar?domain=a.example&domain=b.example", nil, "", "", 200, true, ""},
		{"params string or array, too many", "params", "GET", "/v1/params/deepscalar?domain=a&domain=b&domain=c&domain=d", nil, "", "", 400, false, inv},

		// Path keys that carry a query or fragment (generated AWS and
		// Azure contracts): routed at their path, the query required,
		// the operation chosen by the query or header fields the key
		// names, and validated as that operation.
		{"keyed query selects List", "params", "GET", "/v1/aws?Action=List&Version=1&MaxItems=5", nil, "", "", 200, true, ""},
		{"keyed query List validated as List", "params", "GET", "/v1/aws?Action=List&Version=1&MaxItems=50", nil, "", "", 400, false, inv},
		{"keyed query selects Describe", "params", "GET", "/v1/aws?Action=Describe&Version=1&Id=abc", nil, "", "", 200, true, ""},
		{"keyed query Describe validated as Describe", "params", "GET", "/v1/aws?Action=Describe&Version=1", nil, "", "", 400, false, "parameter-missing"},
		{"keyed query of no operation", "params", "GET", "/v1/aws?Action=Delete&Version=1", nil, "", "", 404, false, "route-not-found"},
		{"keyed query missing", "params", "GET", "/v1/aws", nil, "", "", 404, false, "route-not-found"},
		// The selector given twice: a first-wins upstream would run
		// Delete, which the contract does not have.
		{"keyed query given twice, unknown value first", "params", "GET", "/v1/aws?Action=Delete&Action=List&Version=1&MaxItems=5", nil, "", "", 400, false, "operation-ambiguous"},
		{"keyed query given twice, unknown value last", "params", "GET", "/v1/aws?Action=List&Action=Delete&Version=1&MaxItems=5", nil, "", "", 400, false, "operation-ambiguous"},
		{"keyed query given twice, once empty", "params", "GET", "/v1/aws?Action=List&Action=&Version=1&MaxItems=5", nil, "", "", 400, false, "operation-ambiguous"},
		{"keyed fragment pair given twice in the query", "params", "GET", "/v1/svc?Action=Ping&Action=Other", nil, "", "", 400, false, "operation-ambiguous"},
		// The selector under another spelling, or in the query and a
		// header at once, or twice as a header: whichever the firewall
		// chose by, the upstream may read the other.
		{"keyed query selector in another case beside it", "params", "GET", "/v1/aws?Action=List&action=Delete&Version=1&MaxItems=5", nil, "", "", 400, false, "operation-ambiguous"},
		{"keyed query selector as an array beside it", "params", "GET", "/v1/aws?Action=List&Action[]=Delete&Version=1&MaxItems=5", nil, "", "", 400, false, "operation-ambiguous"},
		{"keyed fragment pair in the query and a header", "params", "GET", "/v1/svc?Action=Ping", h("Action", "Other"), "", "", 400, false, "operation-ambiguous"},
		{"keyed fragment header twice", "params", "POST", "/v1/aws", h("X-Target", "Svc.Delete", "x-target", "Svc.A"), "application/json", `{"a":"x"}`, 400, false, "operation-ambiguous"},
		{"keyed fragment header in the query and a header", "params", "POST", "/v1/aws?X-Target=Svc.A", h("X-Target", "Svc.Delete"), "application/json", `{"a":"x"}`, 400, false, "operation-ambiguous"},
		{"keyed fragment header selects A", "params", "POST", "/v1/aws", h("X-Target", "Svc.A"), "application/json", `{"a":"x"}`, 201, true, ""},
		{"keyed fragment header B validated as B", "params", "POST", "/v1/aws", h("X-Target", "Svc.B"), "application/json", `{"a":"x"}`, 400, false, "undeclared-property"},
		{"keyed fragment header missing", "params", "POST", "/v1/aws", nil, "application/json", `{"a":"x"}`, 400, false, "operation-ambiguous"},
		{"keyed fragment plain operation", "params", "GET", "/v1/blobs/1", nil, "", "", 200, true, ""},
		{"keyed fragment header presence selects create", "params", "POST", "/v1/channels", h("x-amz-chime-bearer", "u1"), "application/json", `{"Name":"c"}`, 201, true, ""},
		{"keyed fragment query pair beats header presence", "params", "POST", "/v1/channels?operation=search", h("x-amz-chime-bearer", "u1"), "application/json", `{"Fields":["a"]}`, 201, true, ""},
		{"keyed fragment query pair validated as search", "params", "POST", "/v1/channels?operation=search", h("x-amz-chime-bearer", "u1"), "application/json", `{"Name":"c"}`, 400, false, "missing-property"},
		{"keyed fragment query pair without the header", "params", "POST", "/v1/channels?operation=search", nil, "application/json", `{"Fields":["a"]}`, 201, true, ""},
		{"keyed fragment neither carried", "params", "POST", "/v1/channels", nil, "application/json", `{"Name":"c"}`, 400, false, "operation-ambiguous"},
		{"keyed fragment pair in the query selects Ping", "params", "GET", "/v1/svc?Action=Ping", nil, "", "", 200, true, ""},
		{"keyed fragment selector is no undeclared parameter, others are", "params", "GET", "/v1/svc?Action=Pong&x=1", nil, "", "", 400, false, undecl},
		{"keyed fragment of no operation", "params", "GET", "/v1/svc?Action=Other", nil, "", "", 400, false, "operation-ambiguous"},
		{"keyed fragment query selects chunk", "params", "GET", "/v1/blobs/1?mode=chunk", h("Range", "bytes=0-9"), "", "", 200, true, ""},
		{"keyed fragment chunk validated as chunk", "params", "GET", "/v1/blobs/1?mode=chunk", nil, "", "", 400, false, "parameter-missing"},
		// The alternative names its path variable otherwise: validated
		// under its own name.
		{"keyed fragment alternative's own path variable", "params", "GET", "/v1/blobs/500?mode=chunk", h("Range", "bytes=0-9"), "", "", 400, false, inv},

		// An encoded slash in a path parameter: refused, unless the
		// operation's configuration lets its parameters take one (an
		// ARN); a dot-segment or backslash inside is refused even then.
		{"encoded slash where allowed", "params", "GET", "/v1/arns/arn:aws:braket:job%2F1", nil, "", "", 200, true, ""},
		{"encoded slash where allowed, lower case", "params", "GET", "/v1/arns/arn:aws:braket:job%2f1", nil, "", "", 200, true, ""},
		{"encoded slash where allowed, validated", "params", "GET", "/v1/arns/arn:aws:braket:job%2Fx", nil, "", "", 400, false, inv},
		{"encoded slash around a dot-segment", "params", "GET", "/v1/arns/a%2F..%2Fb", nil, "", "", 400, false, "ambiguous-path"},
		{"encoded slash doubled", "params", "GET", "/v1/arns/a%2F%2Fb", nil, "", "", 400, false, "ambiguous-path"},
		{"encoded backslash where a slash is allowed", "params", "GET", "/v1/arns/a%5Cb", nil, "", "", 400, false, "ambiguous-path"},
		{"encoded slash elsewhere", "params", "GET", "/v1/arns2/arn:aws:braket:job%2F1", nil, "", "", 400, false, "ambiguous-path"},

		// Keys lenient frameworks bind to a declared name.
		{"params limit[] beside limit", "params", "GET", "/v1/params/query?limit=5&limit[]=500", nil, "", "", 400, false, amb},
		{"params limit[] alone", "params", "GET", "/v1/params/query?limit%5B%5D=500", nil, "", "", 400, false, amb},
		{"params limit[0]", "params", "GET", "/v1/params/query?limit[0]=500", nil, "", "", 400, false, amb},
		{"params PHP mangles a dot", "params", "GET", "/v1/params/query?li.mit=500", nil, "", "", 400, false, amb},
		{"params PHP mangles a space", "params", "GET", "/v1/params/query?li%20mit=500", nil, "", "", 400, false, amb},
		{"params PHP mangles an open bracket", "params", "GET", "/v1/params/query?li[mit=500", nil, "", "", 400, false, amb},
		{"params PHP strips leading spaces", "params", "GET", "/v1/params/query?%20limit=500", nil, "", "", 400, false, amb},
		{"params case variant", "params", "GET", "/v1/params/query?LIMIT=500", nil, "", "", 400, false, amb},
		{"params case variant beside a free-form object", "params", "GET", "/v1/params/free?Limit=500", nil, "", "", 400, false, amb},
		{"params limit[] beside a free-form object", "params", "GET", "/v1/params/free?limit[]=500", nil, "", "", 400, false, amb},
		{"params bracketed undeclared name", "params", "GET", "/v1/params/query?other[]=1", nil, "", "", 400, false, undecl},
		{"params deepObject bare name beside it", "params", "GET", "/v1/params/deep?filter=x&filter[a]=1", nil, "", "", 400, false, amb},
		{"params deepObject empty property", "params", "GET", "/v1/params/deep?filter[]=x", nil, "", "", 400, false, amb},
		{"params deepObject accepted", "params", "GET", "/v1/params/deep?filter[a]=1&filter[zz]=b", nil, "", "", 200, true, ""},
		{"params required Content-Length on a request without a body", "params", "DELETE", "/v1/params/upload-session", nil, "", "", 204, true, ""},
		{"params Content-Length held to its schema", "params", "DELETE", "/v1/params/upload-session", nil, "text/plain", "abc", 400, false, inv},
		{"params exploded object with an array of objects", "params", "GET", "/v1/params/rollback?MonitoringTimeInMinutes=5&RollbackTriggers=%7B%22Arn%22%3A%22a%22%7D&RollbackTriggers=%7B%22Arn%22%3A%22b%22%2C%22Type%22%3A%22t%22%7D", nil, "", "", 200, true, ""},
		{"params exploded object, an item invalid", "params", "GET", "/v1/params/rollback?RollbackTriggers=%7B%22Type%22%3A%22t%22%7D", nil, "", "", 400, false, inv},
		{"params integer or exploded object, the integer", "params", "GET", "/v1/params/page?page=2", nil, "", "", 200, true, ""},
		{"params integer or exploded object, the object", "params", "GET", "/v1/params/page?number=2&size=50", nil, "", "", 200, true, ""},
		{"params integer or exploded object, invalid integer", "params", "GET", "/v1/params/page?page=0", nil, "", "", 400, false, inv},
		{"params integer or exploded object, invalid property", "params", "GET", "/v1/params/page?number=2&size=500", nil, "", "", 400, false, inv},
		{"params key query variables", "params", "GET", "/v1/alerts?lat=48.8&lon=2.35", nil, "", "", 200, true, ""},
		{"params key query variable validated", "params", "GET", "/v1/alerts?lat=100&lon=2.35", nil, "", "", 400, false, inv},
		{"params key query variable typed", "params", "GET", "/v1/alerts?lat=north&lon=2.35", nil, "", "", 400, false, inv},
		{"params key query variable twice", "params", "GET", "/v1/alerts?lat=1&lat=2&lon=2.35", nil, "", "", 400, false, amb},
		{"params key query selects the other operation", "params", "GET", "/v1/alerts?city=Paris", nil, "", "", 200, true, ""},
		{"params key query variable missing", "params", "GET", "/v1/alerts?lat=48.8", nil, "", "", 404, false, "route-not-found"},
		{"params deepObject array property repeated", "params", "GET", "/v1/params/deepfree?filter[ids]=1&filter[ids]=2", nil, "", "", 200, true, ""},
		{"params deepObject array property by index", "params", "GET", "/v1/params/deepfree?filter[ids][0]=1&filter[ids][1]=2", nil, "", "", 200, true, ""},
		{"params deepObject array property index out of order", "params", "GET", "/v1/params/deepfree?filter[ids][1]=1", nil, "", "", 400, false, amb},
		{"params deepObject array property item typed", "params", "GET", "/v1/params/deepfree?filter[ids]=x", nil, "", "", 400, false, inv},

		// Dotted keys bind into object parameters (ASP.NET Core, Spring,
		// qs with allowDots): not validated as the property they reach.
		{"params deepObject property accepted beside a free-form object", "params", "GET", "/v1/params/deepfree?filter[a]=5&x=y", nil, "", "", 200, true, ""},
		{"params deepObject dotted property", "params", "GET", "/v1/params/deepfree?filter.a=500", nil, "", "", 400, false, amb},
		{"params deepObject dotted property in other case", "params", "GET", "/v1/params/deepfree?Filter.a=5", nil, "", "", 400, false, amb},
		{"params dotted key of a scalar name is data", "params", "GET", "/v1/params/free?limit.x=1", nil, "", "", 200, true, ""},

		// A literal ';' inside a matrix value.
		{"params matrix accepted", "params", "GET", "/v1/params/matrix/;id=5", nil, "", "", 200, true, ""},
		{"params matrix literal semicolon in the value", "params", "GET", "/v1/params/matrix/;id=5;x", nil, "", "", 400, false, amb},
		{"params matrix second name", "params", "GET", "/v1/params/matrix/;id=5;id=6", nil, "", "", 400, false, amb},
		{"params matrix encoded semicolon is data", "params", "GET", "/v1/params/matrix/;id=5%3Bx", nil, "", "", 200, true, ""},

		// Only plain decimal integers are integers.
		{"params integer exponent", "params", "GET", "/v1/params/query?limit=1e1", nil, "", "", 400, false, inv},
		{"params integer fraction", "params", "GET", "/v1/params/query?limit=10.0", nil, "", "", 400, false, inv},
		{"params integer negative exponent", "params", "GET", "/v1/params/query?limit=100e-1", nil, "", "", 400, false, inv},
		{"params integer leading plus", "params", "GET", "/v1/params/query?limit=%2B5", nil, "", "", 400, false, inv},
		{"params integer leading zero", "params", "GET", "/v1/params/query?limit=05", nil, "", "", 400, false, inv},
		{"params integer exponent in a free-form object", "params", "GET", "/v1/params/free?a=1e3", nil, "", "", 400, false, inv},

		// Cookies.
		{"params cookie array", "params", "GET", "/v1/params/cookie", h("Cookie", "ids=1,2"), "", "", 200, true, ""},
		{"params cookie non-exploded array twice", "params", "GET", "/v1/params/cookie", h("Cookie", "ids=1,2; ids=500"), "", "", 400, false, amb},
		// Names some server reads as ids (ASP.NET Core ignores case, PHP
		// decodes names and files ids[] under ids): never checked, they
		// would reach the upstream as the parameter.
		{"params cookie in capitals", "params", "GET", "/v1/params/cookie", h("Cookie", "IDS=500"), "", "", 400, false, amb},
		{"params cookie escaped beside the real one", "params", "GET", "/v1/params/cookie", h("Cookie", "ids=1; %69ds=500"), "", "", 400, false, amb},
		{"params cookie as a PHP array", "params", "GET", "/v1/params/cookie", h("Cookie", "ids[]=500"), "", "", 400, false, amb},
		{"params cookie of another name", "params", "GET", "/v1/params/cookie", h("Cookie", "idss=500; ids=1"), "", "", 200, true, ""},

		// Header arrays are RFC 9110 lists.
		{"params header array", "params", "GET", "/v1/params/header", h("X-Ids", "1,2"), "", "", 200, true, ""},
		{"params header array with spaces", "params", "GET", "/v1/params/header", h("X-Ids", "1, 2 ,\t3"), "", "", 200, true, ""},
		{"params header array item invalid", "params", "GET", "/v1/params/header", h("X-Ids", "1, 500"), "", "", 400, false, inv},
		{"params header array below minItems", "params", "GET", "/v1/params/header", h("X-Ids", "1"), "", "", 400, false, inv},

		// Two free-form objects: every key no declared parameter takes
		// is validated by both additionalProperties.
		{"params two free-form objects accept a key both admit", "params", "GET", "/v1/params/twofree?k=123", nil, "", "", 200, true, ""},
		{"params two free-form objects: the first refuses", "params", "GET", "/v1/params/twofree?k=abc", nil, "", "", 400, false, inv},
		{"params two free-form objects: the second refuses", "params", "GET", "/v1/params/twofree?k=12345", nil, "", "", 400, false, inv},

		// Keys qs turns into prototype writes.
		{"params query __proto__", "params", "GET", "/v1/params/query?__proto__[limit]=500", nil, "", "", 400, false, proto},
		{"params query constructor[prototype]", "params", "GET", "/v1/params/query?constructor[prototype][x]=1", nil, "", "", 400, false, proto},
		{"params query __proto__ with dots", "params", "GET", "/v1/params/query?__proto__.x=1", nil, "", "", 400, false, proto},
		{"params free-form object __proto__", "params", "GET", "/v1/params/free?__proto__=1", nil, "", "", 400, false, proto},
		{"params deepObject __proto__", "params", "GET", "/v1/params/deep?filter[__proto__][x]=1", nil, "", "", 400, false, proto},
		{"params deepObject __proto__ property", "params", "GET", "/v1/params/deep?filter[__proto__]=1", nil, "", "", 400, false, proto},
		{"params constructor alone is data", "params", "GET", "/v1/params/free?constructor=1", nil, "", "", 200, true, ""},

		// Numeric deepObject keys, which qs reads as array indexes.
		{"params deepObject numeric key", "params", "GET", "/v1/params/deep?filter[0]=a", nil, "", "", 400, false, amb},
	}
}

// TestRepeatedArrayHeaderLinesForwardedAsOne: an array header sent over
// several field lines is one list (RFC 9110 §5.3) and is validated as
// such; the upstream must get that list on one line, because servers that
// read only the first line (Go's Header.Get) would otherwise act on a
// list the firewall never validated (here, one below minItems).
func TestRepeatedArrayHeaderLinesForwardedAsOne(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Upstream: "http://" + up.addr, Spec: "testdata/e2e-params.yaml"}, nil)
	cases := []struct {
		name   string
		lines  []string
		status int
		want   []string // the X-Ids lines the upstream gets
	}{
		{"two lines", []string{"1", "2"}, 200, []string{"1, 2"}},
		{"three lines with lists", []string{"1, 2", "3", " 4"}, 200, []string{"1, 2, 3, 4"}},
		{"one line untouched", []string{"1,2"}, 200, []string{"1,2"}},
		{"an invalid item on the second line", []string{"1", "500"}, 400, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", "http://"+fw.Addr()+"/v1/params/header", nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range c.lines {
				req.Header.Add("X-Ids", l)
			}
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			}
			got := up.request(resp.Header.Get(RequestIDHeader))
			if c.want == nil {
				if got != nil {
					t.Fatal("a refused request reached the upstream")
				}
				return
			}
			if got == nil {
				t.Fatal("the upstream did not get the request")
			}
			if lines := got.Header.Values("X-Ids"); !slices.Equal(lines, c.want) {
				t.Errorf("upstream got X-Ids lines %q, want %q", lines, c.want)
			}
		})
	}
}
