package http

import "masthead/reading"

// newReading builds the reader's use cases from the services in deps and
// the settings in cfg, for a site whose caller did not wire a
// reading.Service itself (cmd/masthead does). A nil service turns off
// the use cases that need it, as it turns off the routes here.
func newReading(cfg Config, deps Deps) *reading.Service {
	rd := reading.Deps{
		Articles: deps.Articles, Members: deps.Members, Meter: deps.Meter,
		Entitlements: deps.Entitlements, Accounts: deps.Accounts, Billing: deps.Billing,
		Payments: deps.Payments, Institutions: deps.Institutions, Limiter: deps.Limiter,
		Jobs: deps.Jobs, JobAdded: deps.JobAdded, Logger: deps.Logger,
	}
	if deps.Offers != nil {
		rd.Offers = deps.Offers
	}
	if deps.Licences != nil {
		rd.Licences = deps.Licences
	}
	if deps.Curator != nil {
		rd.Curator = deps.Curator
	}
	if deps.Newsletters != nil {
		rd.Newsletters = deps.Newsletters
	}
	if deps.Insights != nil {
		// Reads go with the dashboard's events, as cmd/masthead wires.
		rd.Reads = deps.Insights
	}
	return reading.New(reading.Config{Policy: cfg.Policy, Location: cfg.Location,
		Accounts: cfg.Accounts, Billing: cfg.Billing, Email: cfg.Email}, rd)
}
