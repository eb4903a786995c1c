package admin

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"masthead"
)

// The webhook pages (docs/webhooks.md), for admins: the endpoints with a
// form to register one, each endpoint's delivery log, one delivery's
// attempts and event, and redelivery. The secret is shown once, on the
// page that answers the registration; it is never put in a URL.

// WebhookStore keeps webhook endpoints and their deliveries; store.DB
// implements it.
type WebhookStore interface {
	WebhookEndpoints(ctx context.Context) ([]*masthead.WebhookEndpoint, error)
	WebhookEndpoint(ctx context.Context, id int64) (*masthead.WebhookEndpoint, error)
	CreateWebhookEndpoint(ctx context.Context, in masthead.WebhookEndpointInput, secret string) (*masthead.WebhookEndpoint, error)
	SetWebhookEndpointActive(ctx context.Context, id int64, active bool) error
	DeleteWebhookEndpoint(ctx context.Context, id int64) error
	WebhookDeliveries(ctx context.Context, endpointID int64, limit, offset int) ([]*masthead.WebhookDelivery, int, error)
	WebhookDelivery(ctx context.Context, id int64) (*masthead.WebhookDelivery, []masthead.WebhookAttempt, []byte, error)
	RedeliverWebhook(ctx context.Context, endpointID, deliveryID int64) error
}

var errNoWebhookPages = masthead.Errorf(masthead.ENOTFOUND, "Webhooks are not available on this server.")

// webhookPageSize is how many deliveries one page of the log shows.
const webhookPageSize = 50

// newWebhookSecret returns a signing secret: 32 random bytes in hex, with
// the prefix receivers recognise.
func newWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return "whsec_" + hex.EncodeToString(b)
}

type webhooksView struct {
	page
	Endpoints []*masthead.WebhookEndpoint
	// The registration form.
	Form    webhookForm
	Errors  map[string]string
	Message string
}

// webhookForm is the registration form as typed.
type webhookForm struct {
	URL         string
	Description string
	Events      []eventOption
}

type eventOption struct {
	Value   string
	Checked bool
}

func newWebhookForm(checked []masthead.WebhookEventType) webhookForm {
	f := webhookForm{}
	for _, t := range masthead.WebhookEventTypes {
		on := false
		for _, c := range checked {
			on = on || c == t
		}
		f.Events = append(f.Events, eventOption{Value: string(t), Checked: on})
	}
	return f
}

func (h *Handler) webhookList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	return h.renderWebhookList(w, r, me, http.StatusOK, newWebhookForm(nil), nil, "")
}

func (h *Handler) renderWebhookList(w http.ResponseWriter, r *http.Request, me *masthead.Member, status int, form webhookForm, errs map[string]string, msg string) error {
	if h.deps.Webhooks == nil {
		return errNoWebhookPages
	}
	list, err := h.deps.Webhooks.WebhookEndpoints(r.Context())
	if err != nil {
		return fmt.Errorf("admin: webhook endpoints: %w", err)
	}
	v := &webhooksView{page: h.page(r, me, "Webhooks"), Endpoints: list, Form: form, Errors: errs, Message: msg}
	v.Section = "webhooks"
	return h.render(w, status, "webhooks", v)
}

// webhookCreate registers an endpoint and shows its secret, once; a
// refused form comes back with what was typed and the reason.
func (h *Handler) webhookCreate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.Webhooks == nil {
		return errNoWebhookPages
	}
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	in := masthead.WebhookEndpointInput{URL: r.PostForm.Get("url"), Description: r.PostForm.Get("description")}
	for _, e := range r.PostForm["events"] {
		in.Events = append(in.Events, masthead.WebhookEventType(e))
	}
	var ep *masthead.WebhookEndpoint
	err := h.checkWebhookAddress(r.Context(), in)
	if err == nil {
		ep, err = h.deps.Webhooks.CreateWebhookEndpoint(r.Context(), in, newWebhookSecret())
	}
	if err != nil {
		var invalid *masthead.Error
		if !errors.As(err, &invalid) || invalid.Code != masthead.EINVALID {
			return err
		}
		form := newWebhookForm(in.Events)
		form.URL, form.Description = in.URL, in.Description
		return h.renderWebhookList(w, r, me, http.StatusBadRequest, form, invalid.Fields, invalid.Message)
	}
	return h.renderWebhook(w, r, me, ep, ep.Secret)
}

// HostResolver looks host names up; *net.Resolver is one.
type HostResolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// webhookLookupTimeout bounds the look-up of an endpoint's host name at
// registration.
const webhookLookupTimeout = 3 * time.Second

// checkWebhookAddress refuses an endpoint whose host is, or resolves now
// to, an address outgoing webhooks may not reach (Config.WebhookNetworks):
// the server's own network. The worker checks again at every connection,
// on the address it connects to, so a name that resolves elsewhere later
// gains nothing; this check tells the admin at once. A name that does not
// resolve yet is let through for the worker to judge. The message names
// no address the name resolved to.
func (h *Handler) checkWebhookAddress(ctx context.Context, in masthead.WebhookEndpointInput) error {
	in.Normalize()
	if in.Validate() != nil {
		return nil // the store refuses it, naming every field
	}
	u, err := url.Parse(in.URL)
	if err != nil {
		return nil
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		lctx, cancel := context.WithTimeout(ctx, webhookLookupTimeout)
		defer cancel()
		addrs, _ = h.webhookResolver().LookupNetIP(lctx, "ip", host)
	}
	for _, a := range addrs {
		if !h.cfg.WebhookNetworks.Permits(a) {
			v := masthead.Invalid{}
			v.Add("url", "URL must lead to the public internet, not to a loopback, private, link-local or other special-purpose address. "+
				"The operator can allow a network with --webhook-allow-networks.")
			return v.Err()
		}
	}
	return nil
}

func (h *Handler) webhookResolver() HostResolver {
	if h.deps.WebhookResolver != nil {
		return h.deps.WebhookResolver
	}
	return net.DefaultResolver
}

type webhookView struct {
	page
	Endpoint *masthead.WebhookEndpoint
	// Secret is set only on the page answering the registration.
	Secret     string
	Deliveries []hookDeliveryRow
	Total      int
	PageNum    int
	Pages      int
	PrevURL    string
	NextURL    string
}

type hookDeliveryRow struct {
	ID        int64
	Event     string
	Status    string
	Attempts  int
	Code      int
	Error     string
	Created   string
	Updated   string
	Next      string // when a pending delivery is tried next
	URL       string
	CanResend bool
}

func (h *Handler) webhookEndpointFromPath(r *http.Request) (*masthead.WebhookEndpoint, error) {
	if h.deps.Webhooks == nil {
		return nil, errNoWebhookPages
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such webhook endpoint.")
	}
	return h.deps.Webhooks.WebhookEndpoint(r.Context(), id)
}

func (h *Handler) webhookPage(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ep, err := h.webhookEndpointFromPath(r)
	if err != nil {
		return err
	}
	return h.renderWebhook(w, r, me, ep, "")
}

func (h *Handler) renderWebhook(w http.ResponseWriter, r *http.Request, me *masthead.Member, ep *masthead.WebhookEndpoint, secret string) error {
	pageNum, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pageNum = max(pageNum, 1)
	list, total, err := h.deps.Webhooks.WebhookDeliveries(r.Context(), ep.ID, webhookPageSize, (pageNum-1)*webhookPageSize)
	if err != nil {
		return fmt.Errorf("admin: webhook deliveries: %w", err)
	}
	v := &webhookView{page: h.page(r, me, "Webhook "+ep.URL), Endpoint: ep, Secret: secret, Total: total, PageNum: pageNum,
		Pages: max(1, (total+webhookPageSize-1)/webhookPageSize)}
	v.Section = "webhooks"
	base := fmt.Sprintf("/admin/webhooks/%d", ep.ID)
	if pageNum > 1 {
		v.PrevURL = base + "?page=" + strconv.Itoa(pageNum-1)
	}
	if pageNum < v.Pages {
		v.NextURL = base + "?page=" + strconv.Itoa(pageNum+1)
	}
	for _, d := range list {
		row := hookDeliveryRow{ID: d.ID, Event: string(d.EventType), Status: string(d.Status), Attempts: d.Attempts,
			Code: d.LastCode, Error: d.LastError, Created: h.formatTime(d.CreatedAt), Updated: h.formatTime(d.UpdatedAt),
			URL: fmt.Sprintf("%s/deliveries/%d", base, d.ID), CanResend: d.Status != masthead.WebhookPending}
		if d.Status == masthead.WebhookPending {
			row.Next = h.formatTime(d.NextAt)
		}
		v.Deliveries = append(v.Deliveries, row)
	}
	status := http.StatusOK
	if secret != "" {
		status = http.StatusCreated
	}
	return h.render(w, status, "webhook", v)
}

func (h *Handler) webhookActive(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ep, err := h.webhookEndpointFromPath(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	active := r.PostForm.Get("active") == "1"
	if err := h.deps.Webhooks.SetWebhookEndpointActive(r.Context(), ep.ID, active); err != nil {
		return err
	}
	msg := "webhook-paused"
	if active {
		msg = "webhook-resumed"
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/webhooks/%d?msg=%s", ep.ID, msg), http.StatusSeeOther)
	return nil
}

func (h *Handler) webhookDelete(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ep, err := h.webhookEndpointFromPath(r)
	if err != nil {
		return err
	}
	if err := h.deps.Webhooks.DeleteWebhookEndpoint(r.Context(), ep.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/webhooks?msg=webhook-deleted", http.StatusSeeOther)
	return nil
}

type webhookDeliveryView struct {
	page
	Endpoint  *masthead.WebhookEndpoint
	Delivery  hookDeliveryRow
	Attempts  []hookAttemptRow
	Payload   string
	ResendURL string
}

type hookAttemptRow struct {
	N        int
	At       string
	Code     int
	Error    string
	Duration string
}

// webhookDeliveryFromPath finds the delivery named in the path, which must
// belong to the endpoint named there too.
func (h *Handler) webhookDeliveryFromPath(r *http.Request) (*masthead.WebhookEndpoint, *masthead.WebhookDelivery, []masthead.WebhookAttempt, []byte, error) {
	ep, err := h.webhookEndpointFromPath(r)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	did, err := strconv.ParseInt(r.PathValue("did"), 10, 64)
	if err != nil || did <= 0 {
		return nil, nil, nil, nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such delivery.")
	}
	d, attempts, data, err := h.deps.Webhooks.WebhookDelivery(r.Context(), did)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if d.EndpointID != ep.ID {
		return nil, nil, nil, nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such delivery.")
	}
	return ep, d, attempts, data, nil
}

func (h *Handler) webhookDeliveryPage(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ep, d, attempts, data, err := h.webhookDeliveryFromPath(r)
	if err != nil {
		return err
	}
	base := fmt.Sprintf("/admin/webhooks/%d/deliveries/%d", ep.ID, d.ID)
	v := &webhookDeliveryView{page: h.page(r, me, fmt.Sprintf("Delivery %d", d.ID)), Endpoint: ep, ResendURL: base + "/redeliver",
		Delivery: hookDeliveryRow{ID: d.ID, Event: string(d.EventType), Status: string(d.Status), Attempts: d.Attempts,
			Code: d.LastCode, Error: d.LastError, Created: h.formatTime(d.CreatedAt), Updated: h.formatTime(d.UpdatedAt),
			CanResend: d.Status != masthead.WebhookPending}}
	v.Section = "webhooks"
	if d.Status == masthead.WebhookPending {
		v.Delivery.Next = h.formatTime(d.NextAt)
	}
	for i, a := range attempts {
		v.Attempts = append(v.Attempts, hookAttemptRow{N: i + 1, At: h.formatTime(a.At), Code: a.Code, Error: a.Error,
			Duration: a.Duration.Round(time.Microsecond).String()})
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, data, "", "  ") == nil {
		v.Payload = pretty.String()
	} else {
		v.Payload = string(data)
	}
	return h.render(w, http.StatusOK, "webhook_delivery", v)
}

func (h *Handler) webhookRedeliver(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ep, d, _, _, err := h.webhookDeliveryFromPath(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	if err := h.deps.Webhooks.RedeliverWebhook(r.Context(), ep.ID, d.ID); err != nil {
		return err
	}
	back := fmt.Sprintf("/admin/webhooks/%d", ep.ID)
	if r.PostForm.Get("back") == "delivery" {
		back = fmt.Sprintf("/admin/webhooks/%d/deliveries/%d", ep.ID, d.ID)
	}
	http.Redirect(w, r, back+"?msg=webhook-redelivered", http.StatusSeeOther)
	return nil
}
