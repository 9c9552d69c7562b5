package plan

import (
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/route"
	"github.com/rampart-sec/rampart/internal/sharedtest"
)

// Requests as Stripe's own documentation and client libraries send them,
// through the plan of Stripe's published definition: each must pass (the
// contract allows it, so a firewall in front of Stripe must too), and the
// ambiguous or invalid variants must not. Stripe's form and query
// serialisations (deepObject on arrays, objects and unions of them with
// scalars) are where a contract-driven firewall most easily refuses real
// traffic.
func TestStripeRequests(t *testing.T) {
	p := loadPlan(t, sharedtest.Path(t, "specs", "stripe.yaml"), Config{})
	ops := opsByID(p)
	const form = "application/x-www-form-urlencoded"
	id := func(name, value string) []route.PathParam {
		return []route.PathParam{{Name: name, Raw: value, Escaped: value}}
	}
	cases := []struct {
		name   string
		op     string
		path   []route.PathParam
		query  string
		body   string
		reason string // "" for a request that must pass
	}{
		{"customer with metadata and expand", "PostCustomers", nil, "", "email=jenny%40example.com&metadata[order_id]=6735&expand[]=default_source", ""},
		{"charges created in a range", "GetCharges", nil, "limit=3&created[gte]=1700000000&expand[]=data.customer", "", ""},
		{"charges created at a timestamp", "GetCharges", nil, "created=1700000000", "", ""},
		{"payment intent", "PostPaymentIntents", nil, "", "amount=2000&currency=usd&automatic_payment_methods[enabled]=true", ""},
		{"subscription with items", "PostSubscriptions", nil, "", "customer=cus_123&items[0][price]=price_123&items[1][price]=price_456&items[1][quantity]=2&trial_period_days=7", ""},
		{"customer metadata cleared", "PostCustomersCustomer", id("customer", "cus_123"), "", "metadata=", ""},
		{"subscription item deleted", "PostSubscriptionsSubscriptionExposedId", id("subscription_exposed_id", "sub_123"), "", "cancel_at=1800000000&items[0][id]=si_123&items[0][deleted]=true", ""},
		{"subscription anchored now, pause cleared", "PostSubscriptionsSubscriptionExposedId", id("subscription_exposed_id", "sub_123"), "", "billing_cycle_anchor=now&pause_collection=", ""},
		{"upcoming invoice anchored now", "GetInvoicesUpcoming", nil, "subscription_billing_cycle_anchor=now", "", ""},
		{"customers by email", "GetCustomers", nil, "email=jenny%40example.com&limit=10", "", ""},
		{"recurring price", "PostPrices", nil, "", "unit_amount=2000&currency=usd&recurring[interval]=month&product=prod_123", ""},
		{"product with metadata", "PostProducts", nil, "", "name=Gold%20Plan&metadata[tier]=gold&images[]=https%3A%2F%2Fexample.com%2Fgold.png", ""},
		{"webhook endpoint", "PostWebhookEndpoints", nil, "", "url=https%3A%2F%2Fexample.com%2Fwebhook&enabled_events[]=charge.succeeded&enabled_events[]=charge.failed", ""},
		{"refund", "PostRefunds", nil, "", "charge=ch_123&amount=1000&reason=requested_by_customer", ""},
		{"payment method attached", "PostPaymentMethodsPaymentMethodAttach", id("payment_method", "pm_123"), "", "customer=cus_123", ""},
		{"billing portal session", "PostBillingPortalSessions", nil, "", "customer=cus_123&return_url=https%3A%2F%2Fexample.com%2Faccount", ""},
		{"coupon", "PostCoupons", nil, "", "percent_off=25&duration=repeating&duration_in_months=3", ""},

		{"subscription items out of order", "PostSubscriptions", nil, "", "customer=cus_123&items[1][price]=price_123", ReasonParamAmbiguous},
		{"created as a timestamp and a range", "GetCharges", nil, "created=1700000000&created[gt]=1", "", ReasonParamAmbiguous},
		{"created not a number", "GetCharges", nil, "created=yesterday", "", ReasonParamInvalid},
		{"amount not a number", "PostPaymentIntents", nil, "", "amount=lots&currency=usd", ReasonTypeMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op := ops[c.op]
			if op == nil {
				t.Fatalf("no operation %s in the definition", c.op)
			}
			in := &Request{RawQuery: c.query, PathParams: c.path}
			if c.body != "" {
				in.ContentType, in.Body, in.HasBody = form, []byte(c.body), true
			}
			vs := op.CheckRequest(in, &p.Config, false)
			switch {
			case c.reason == "" && len(vs) > 0:
				t.Errorf("refused: %s: %s", vs[0].Reason, vs[0].Detail)
			case c.reason != "" && (len(vs) == 0 || vs[0].Reason != c.reason):
				t.Errorf("violations %+v, want %s", vs, c.reason)
			}
		})
	}
}
