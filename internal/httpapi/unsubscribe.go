package httpapi

import (
	"bytes"
	"context"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/notification"
)

// The link in every notification, outside the contract as the embeddable
// page is: a person follows it from their mail, with no account. GET shows
// a confirmation with a button (a link scanner that follows links must not
// unsubscribe anyone); POST withdraws the consent to be contacted, from that
// button or one-click from the mail program (RFC 8058: List-Unsubscribe-Post).

const unsubscribePath = notification.UnsubscribePath

// unsubscriber checks and uses the signed token of an unsubscribe link.
type unsubscriber interface {
	Check(token string) error
	Unsubscribe(ctx context.Context, token string) error
}

func registerUnsubscribe(e *echo.Echo, u unsubscriber) {
	e.GET(unsubscribePath, func(c echo.Context) error {
		tok := c.QueryParam("token")
		return unsubscribePage(c, u.Check(tok), tok, false)
	})
	e.POST(unsubscribePath, func(c echo.Context) error {
		// The token is in the link's query (one-click) or the form's field.
		tok := c.FormValue("token")
		return unsubscribePage(c, u.Unsubscribe(c.Request().Context(), tok), tok, true)
	})
}

// unsubscribePage answers with the page: the confirmation, the result, or
// that the link is not valid (404); other errors are the server's.
func unsubscribePage(c echo.Context, err error, tok string, done bool) error {
	status := http.StatusOK
	if domain.ErrorCode(err) == domain.CodeNotFound {
		status, err = http.StatusNotFound, nil
	}
	if err != nil {
		return err
	}
	lang := "nl"
	if c.QueryParam("lang") == "en" {
		lang = "en"
	}
	t := unsubscribeText[lang]
	page := map[string]any{"Lang": lang, "T": t, "Token": tok, "Action": unsubscribePath + "?lang=" + lang, "Done": done,
		"Invalid": status == http.StatusNotFound}
	var buf bytes.Buffer
	if err := unsubscribeTemplate.Execute(&buf, page); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the token is in the URL
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	return c.HTMLBlob(status, buf.Bytes())
}

type unsubscribeLabels struct {
	Title, Question, Button, Done, Invalid string
}

var unsubscribeText = map[string]unsubscribeLabels{
	"nl": {Title: "Afmelden voor berichten", Question: "Wil je geen berichten meer van het Pioniersnetwerk Open Overheid over je aanmeldingen, bijeenkomsten en papers?",
		Button: "Afmelden", Done: "Je bent afgemeld: je krijgt geen berichten meer van het netwerk.",
		Invalid: "Deze afmeldlink is niet geldig. Gebruik de link uit het laatste bericht dat je kreeg."},
	"en": {Title: "Unsubscribe from messages", Question: "Stop receiving messages from the Pioneering Network for an Open Government about your registrations, meetings and papers?",
		Button: "Unsubscribe", Done: "You are unsubscribed: you will receive no more messages from the network.",
		Invalid: "This unsubscribe link is not valid. Use the link in the latest message you received."},
}

var unsubscribeTemplate = template.Must(template.New("unsubscribe").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.T.Title}}</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em">
<h1>{{.T.Title}}</h1>
{{if .Invalid}}<p>{{.T.Invalid}}</p>
{{else if .Done}}<p>{{.T.Done}}</p>
{{else}}<p>{{.T.Question}}</p>
<form method="post" action="{{.Action}}"><input type="hidden" name="token" value="{{.Token}}"><button type="submit">{{.T.Button}}</button></form>
{{end}}</body></html>
`))
