package webhook_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// The Standard Webhooks specification's published vector
// (standard-webhooks/standard-webhooks, libraries/*: TestWebhookSign).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignMatchesPublishedVector(t *testing.T) {
	t.Parallel()
	other, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		secrets []string
		id      string
		payload string
		want    func(got string) bool
	}{
		{"vector", []string{vectorSecret}, vectorID, vectorPayload, func(got string) bool { return got == vectorSignature }},
		{"rotated secret overlapping signs with both", []string{other, vectorSecret}, vectorID, vectorPayload, func(got string) bool {
			parts := strings.Split(got, " ")
			return len(parts) == 2 && parts[1] == vectorSignature && parts[0] != vectorSignature && strings.HasPrefix(parts[0], "v1,")
		}},
		{"another id", []string{vectorSecret}, "msg_other", vectorPayload, func(got string) bool { return got != vectorSignature }},
		{"another body", []string{vectorSecret}, vectorID, `{"test": 2432232315}`, func(got string) bool { return got != vectorSignature }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := webhook.Sign(tc.secrets, tc.id, time.Unix(vectorTimestamp, 0), []byte(tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(got) {
				t.Errorf("got %q; want the published signature %q to hold as described", got, vectorSignature)
			}
		})
	}
}

func TestNewSecretIsStandardWebhooksSecret(t *testing.T) {
	t.Parallel()
	a, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := webhook.NewSecret()
	if !strings.HasPrefix(a, "whsec_") || len(a) < len("whsec_")+32 {
		t.Errorf("got %q; want whsec_ and a base64 key of at least 24 bytes", a)
	}
	if a == b {
		t.Errorf("got the same secret twice: %q", a)
	}
	if _, err := webhook.Sign([]string{a}, "id", time.Now(), nil); err != nil {
		t.Errorf("sign with a new secret: %v", err)
	}
}
