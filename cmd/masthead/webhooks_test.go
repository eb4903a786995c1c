package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
	"masthead/webhooks"
)

// TestServeSendsWebhooks publishes an article beside a running server and
// waits for the server's leader to deliver the signed event to a receiver.
func TestServeSendsWebhooks(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			got := make(chan *http.Request, 4)
			bodies := make(chan []byte, 4)
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got <- r
				bodies <- b
				w.WriteHeader(http.StatusNoContent)
			}))
			defer rcv.Close()

			inst := startServe(t, "--db", dsn, "--webhook-allow-networks", "127.0.0.0/8")
			ctx := context.Background()
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			secret := webhooks.NewSecret()
			if _, err := db.CreateWebhookEndpoint(ctx, masthead.WebhookEndpointInput{URL: rcv.URL,
				Events: []masthead.WebhookEventType{masthead.EventArticlePublished}}, secret); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateArticle(ctx, masthead.ArticleInput{Title: "Harbour strike ends", Slug: "harbour-strike",
				Status: masthead.StatusPublished, BodyMarkdown: "Work resumed."}); err != nil {
				t.Fatal(err)
			}
			// The deadline only keeps a broken worker from hanging the run.
			select {
			case r := <-got:
				body := <-bodies
				if err := webhooks.Verify(secret, r.Header.Get(webhooks.HeaderSignature), body, time.Now(), 0); err != nil {
					t.Fatalf("signature: %v", err)
				}
				var ev webhooks.Body
				if err := json.Unmarshal(body, &ev); err != nil || ev.Type != masthead.EventArticlePublished {
					t.Fatalf("body %s: %v", body, err)
				}
			case <-time.After(time.Minute):
				t.Fatalf("no delivery within a minute; server log:\n%s", inst.stderr.String())
			}
		})
	}
}
