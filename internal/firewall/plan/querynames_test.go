package plan

import "testing"

func TestAliasOf(t *testing.T) {
	names := []queryName{{name: "limit"}, {name: "li_mit"}, {name: "filter", deep: true, object: true}, {name: "x"}, {name: "point", object: true},
		{name: "expand", deep: true, array: true}}
	for _, tc := range []struct{ key, want string }{
		{"limit", ""},
		{"x", ""},
		{"filter[a]", ""},
		{"filter[0]", ""}, // the deepObject decoder judges the property
		{"other", ""},
		{"other[]", ""},
		{"lim", ""},
		{"limit[]", "limit"},
		{"limit[0]", "limit"},
		{"limit[a][b]", "limit"},
		{" limit", "limit"},
		{"  limit[]", "limit"},
		{"LIMIT", "limit"},
		{"Limit", "limit"},
		{"X", "x"},
		{"li.mit", "li_mit"},
		{"li mit", "li_mit"},
		{"li[mit", "li_mit"},
		{"LI.MIT", "li_mit"},
		{"filter", "filter"},
		{"filter[]", "filter"},
		{"Filter[a]", "filter"},
		{"filter.a", "filter"},
		{"FILTER.a.b", "filter"},
		{"point.x", "point"},
		{"limit.x", ""}, // a scalar has no properties to bind into
		{"x.y", ""},
		{"filterx.a", ""},
		// A deepObject array is sent with brackets, with or without
		// indices; its bare name and other case are aliases.
		{"expand[]", ""},
		{"expand[0]", ""},
		{"expand", "expand"},
		{"Expand[]", "expand"},
	} {
		if got := aliasOf(tc.key, names); got != tc.want {
			t.Errorf("aliasOf(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestAliasOfDoesNotAllocateForDeclaredKeys(t *testing.T) {
	names := []queryName{{name: "limit"}, {name: "q"}, {name: "filter", deep: true, object: true}}
	n := testing.AllocsPerRun(100, func() {
		for _, k := range []string{"limit", "q", "filter[a]", "other", "LIMIT", "limit[]", "filter.a"} {
			aliasOf(k, names)
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations per run, want 0", n)
	}
}

func TestPrototypeKey(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{"limit", false},
		{"constructor", false},
		{"prototype", false},
		{"a[prototype]", false},
		{"x__proto__", false},
		{"__proto__", true},
		{"__proto__[admin]", true},
		{"__proto__.admin", true},
		{"a[__proto__][b]", true},
		{"filter[__proto__]", true},
		{"constructor[prototype][admin]", true},
		{"constructor.prototype.admin", true},
		{"a[constructor][prototype]", true},
		// Form and multipart field names, read by the same test.
		{"a.__proto__.x", true},
		{"prototype[constructor]", false},
		{"proto", false},
		{"__proto__x", false},
		{"my_prototype", false},
		{"constructor[x][prototype]", false},
		{"items[0][name]", false},
		{"constructor[ prototype ][x]", true},
		{"[__proto__]", true},
		{"constructor]prototype[admin]", true},
	} {
		if got := prototypeKey(tc.key); got != tc.want {
			t.Errorf("prototypeKey(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}
