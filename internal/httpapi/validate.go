package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// operation is one operation of the contract, found by echo's route.
type operation struct {
	route      *routers.Route
	produces   []string        // media types of its success responses
	query      map[string]bool // its query parameters, true for those that take a list
	needsToken bool            // its security admits no anonymous caller
	keyed      bool            // it declares Idempotency-Key
	// clientScopes are the scopes its clientCredentials requirement names:
	// an API client's token needs every one of them.
	clientScopes []string
}

// contract validates requests against the OpenAPI document: parameters and
// body (every problem at once), Content-Type (415), Accept (406), and query
// keys the operation does not know.
type contract struct {
	spec    *openapi3.T
	ops     map[string]*operation // "GET /v1/organisations/:organisation"
	options *openapi3filter.Options
}

func newContract(spec *openapi3.T, basePath string) *contract {
	c := &contract{spec: spec, ops: map[string]*operation{}}
	for path, item := range spec.Paths.Map() {
		echoPath := basePath + toEchoPath(path)
		for method, op := range item.Operations() {
			o := &operation{
				route: &routers.Route{Spec: spec, Path: path, PathItem: item, Method: method, Operation: op},
				query: map[string]bool{},
			}
			security := spec.Security
			if op.Security != nil {
				security = *op.Security
			}
			o.needsToken = len(security) > 0 && !slices.ContainsFunc(security, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
			for _, r := range security {
				o.clientScopes = append(o.clientScopes, r[clientScheme]...)
			}
			for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
				o.keyed = o.keyed || p.Value.In == openapi3.ParameterInHeader && p.Value.Name == idempotencyKeyHeader
				if p.Value.In == openapi3.ParameterInQuery {
					s := p.Value.Schema
					o.query[p.Value.Name] = s != nil && s.Value != nil && s.Value.Type != nil && s.Value.Type.Is("array")
				}
			}
			for code, resp := range op.Responses.Map() {
				if strings.HasPrefix(code, "2") && resp.Value != nil {
					for mt := range resp.Value.Content {
						o.produces = append(o.produces, mt)
					}
				}
			}
			c.ops[method+" "+echoPath] = o
		}
	}
	c.options = &openapi3filter.Options{
		MultiError:         true,
		KeepValidatedValue: true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
				"email": openapi3.NewCallbackValidator(func(s string) error {
					if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
						return errors.New("must be an email address")
					}
					return nil
				}),
				"uri": openapi3.NewCallbackValidator(func(s string) error {
					if u, err := url.Parse(s); err != nil || u.Scheme == "" || u.Host == "" {
						return errors.New("must be an absolute URL")
					}
					return nil
				}),
				// Years a date can be written with, and that Go, JSON and both
				// databases agree on; 0001-01-01 would read as "no date".
				"date": openapi3.NewCallbackValidator(func(s string) error {
					t, err := time.Parse(time.DateOnly, s)
					if err != nil || t.Year() < minYear || t.Year() > maxYear {
						return errors.New("must be a date such as 2019-09-01")
					}
					return nil
				}),
				"date-time": openapi3.NewCallbackValidator(func(s string) error {
					t, err := time.Parse(time.RFC3339, s)
					if err != nil || t.UTC().Year() < minYear || t.UTC().Year() > maxYear {
						return errors.New("must be a date-time such as 2019-09-01T10:00:00Z")
					}
					return nil
				}),
				"uuid": openapi3.NewCallbackValidator(func(s string) error {
					if !uuidPattern.MatchString(s) {
						return errors.New("must be a UUID")
					}
					return nil
				}),
			}),
		},
	}
	c.options.WithCustomSchemaErrorFunc(schemaReason)
	return c
}

// toEchoPath turns /organisations/{organisation} into /organisations/:organisation.
func toEchoPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			parts[i] = ":" + s[1:len(s)-1]
		}
	}
	return strings.Join(parts, "/")
}

// keyed tells whether the operation of method on the echo route declares
// Idempotency-Key.
func (ct *contract) keyed(method, route string) bool {
	op, ok := ct.ops[method+" "+route]
	return ok && op.keyed
}

func (ct *contract) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		op, ok := ct.ops[c.Request().Method+" "+c.Path()]
		if !ok {
			return next(c)
		}
		if err := ct.check(c, op); err != nil {
			return err
		}
		return next(c)
	}
}

// requireToken refuses a token authenticate found invalid, whatever the
// endpoint, and answers 401 to an anonymous caller of an operation whose
// security needs a token, before anything looks at the request: a caller
// learns to sign in first, not which fields the body lacks.
func (ct *contract) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err, _ := c.Request().Context().Value(tokenErrorKey{}).(error); err != nil {
			return err
		}
		op, ok := ct.ops[c.Request().Method+" "+c.Path()]
		actor := domain.ActorFrom(c.Request().Context())
		if ok && op.needsToken && actor.Anonymous() {
			return domain.Errorf(domain.CodeUnauthenticated, signInHint)
		}
		if ok && actor.Client {
			if err := insufficientScope(c, op, actor); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// clientScheme names the contract's security scheme for API clients.
const clientScheme = "clientCredentials"

// insufficientScope refuses an API client's token that lacks a scope the
// operation's clientCredentials requirement names, with the challenge of
// RFC 6750 section 3.1. It is the first line only: the domain services
// check the scopes again where they decide.
func insufficientScope(c echo.Context, op *operation, actor domain.Actor) error {
	var missing []string
	for _, sc := range op.clientScopes {
		if !actor.HasScope(sc) {
			missing = append(missing, sc)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	c.Response().Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="pioniers", error="insufficient_scope", scope=%q`,
		strings.Join(op.clientScopes, " ")))
	return domain.Errorf(domain.CodeForbidden, "this API client's token lacks the scope %s: an admin grants scopes, "+
		"and a token carries those its request asked for", strings.Join(missing, " "))
}

func (ct *contract) check(c echo.Context, op *operation) error {
	r := c.Request()
	if !acceptable(r.Header.Get("Accept"), op.produces) {
		return &requestError{status: http.StatusNotAcceptable,
			detail: "this resource is available as " + strings.Join(op.produces, ", ") + "; change the Accept header"}
	}
	var p domain.Problems
	var body *jsonBody
	if rb := op.route.Operation.RequestBody; rb != nil && rb.Value != nil && (r.ContentLength != 0 || r.Header.Get("Content-Type") != "") {
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return &requestError{status: http.StatusUnsupportedMediaType, detail: "send the body in UTF-8 (charset=utf-8)"}
		}
		media := rb.Value.Content.Get(mt)
		if err != nil || media == nil {
			var accepted []string
			for k := range rb.Value.Content {
				accepted = append(accepted, k)
			}
			sort.Strings(accepted)
			return &requestError{status: http.StatusUnsupportedMediaType,
				detail: "send the body as " + strings.Join(accepted, " or ") + " with a matching Content-Type"}
		}
		// The generated handler picks the body by the Content-Type's prefix,
		// case-sensitively: give it the media type as matched.
		r.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
		data, err := readBody(r)
		if err != nil {
			return err
		}
		if mt == "application/json" || strings.HasSuffix(mt, "+json") {
			body = decodeJSON(data, rb.Value, media, &p)
		}
	}
	for key, values := range r.URL.Query() {
		list, known := op.query[key]
		if !known && r.Method == http.MethodGet && ignoredQuery(key) {
			continue
		}
		if !known {
			p.Add(key, "is not a query parameter of this operation")
			continue
		}
		if !list && len(values) > 1 {
			p.Add(key, "give it once")
		}
		for _, v := range values {
			checkText(key, v, &p)
		}
	}
	params := map[string]string{}
	for i, name := range c.ParamNames() {
		value := c.ParamValues()[i]
		if r.URL.RawPath != "" {
			// The router matched the path as sent (%ff, not %FF) and left its
			// parameters escaped; the handler's binding unescapes them, so
			// check what it will see.
			if unescaped, err := url.PathUnescape(value); err == nil {
				value = unescaped
			}
		}
		params[name] = value
		checkText(name, value, &p)
	}
	options := ct.options
	if body != nil {
		// The JSON body is decoded once, here; kin-openapi checks the rest.
		o := *ct.options
		o.ExcludeRequestBody = true
		options = &o
	}
	input := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: op.route, Options: options}
	if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
		collect(err, &p)
	}
	if body != nil {
		ct.validateBody(r, body, &p)
	}
	if vb, ok := r.Body.(interface{ ValidatedValue() any }); ok {
		checkTexts(newBodyPath(), vb.ValidatedValue(), &p)
	}
	if len(p) == 0 {
		return nil
	}
	detail := "the request has invalid fields; see invalidParams"
	if len(p) == 1 {
		detail = p[0].Name + " " + p[0].Reason
	}
	return &requestError{status: http.StatusBadRequest, detail: detail, fields: p}
}

// trackingQuery are the query parameters that newsletters, social media,
// ad networks and jQuery's cache buster add to links people click or
// scripts fetch: a GET ignores them rather than refuse the link (an
// unknown parameter still gets a 400, which catches typos). utm_* is
// matched as a prefix. docs/websites.md lists them.
var trackingQuery = map[string]bool{
	"_": true, "fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "twclid": true, "ttclid": true, "li_fat_id": true, "igshid": true, "yclid": true,
	"mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true, "_hsenc": true, "_hsmi": true, "mkt_tok": true,
}

// ignoredQuery reports whether a GET ignores the query parameter key.
func ignoredQuery(key string) bool {
	key = strings.ToLower(key)
	return trackingQuery[key] || strings.HasPrefix(key, "utm_")
}

// jsonBody is a JSON request body, read and decoded once.
type jsonBody struct {
	required bool
	media    *openapi3.MediaType
	data     []byte // as sent
	value    any    // decoded with json.Number; nil when it is not one JSON value
	decoded  bool
}

// readBody reads the whole body once, for every check and the handler: the
// first caller (idempotent, or the contract's check) reads it from the
// connection, later ones get the same bytes, and the handler reads them anew.
func readBody(r *http.Request) ([]byte, error) {
	if kept, ok := r.Body.(*keptBody); ok {
		r.Body = &keptBody{Reader: bytes.NewReader(kept.data), data: kept.data}
		return kept.data, nil
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = &keptBody{Reader: bytes.NewReader(data), data: data}
	return data, nil
}

// keptBody is a request body read whole, to be read again.
type keptBody struct {
	*bytes.Reader
	data []byte
}

func (*keptBody) Close() error { return nil }

// decodeJSON decodes a JSON body, naming what makes it no JSON: bytes that
// are not UTF-8 (the decoder would mend them), anything after the first
// value, and numbers no float64 holds.
func decodeJSON(data []byte, rb *openapi3.RequestBody, media *openapi3.MediaType, p *domain.Problems) *jsonBody {
	b := &jsonBody{required: rb.Required, media: media, data: data}
	if len(data) == 0 {
		return b
	}
	if !utf8.Valid(data) {
		p.Add("body", "must be UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&b.value); err != nil {
		p.Add("body", "must be one JSON value, with nothing after it")
		return b
	}
	b.decoded = true
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 {
		p.Add("body", "must be one JSON value, with nothing after it")
	}
	// Walking a deeper body, as the checks below do, costs time quadratic
	// in its depth: a 150 KB body took seconds. The problem names the
	// top-level member that nests too deep.
	if nestedDeeper(b.value, maxNesting) {
		reason := fmt.Sprintf("must not nest objects and arrays deeper than %d levels", maxNesting)
		if obj, ok := b.value.(map[string]any); ok {
			for k, item := range obj {
				if nestedDeeper(item, maxNesting-1) {
					p.Add(k, reason)
				}
			}
		} else {
			p.Add("body", reason)
		}
		b.decoded = false
		return b
	}
	checkNumbers(newBodyPath(), b.value, p)
	return b
}

// maxNesting is how deep objects and arrays may nest in a request body, far
// more than any schema of the contract needs.
const maxNesting = 32

// nestedDeeper reports whether objects and arrays in v nest deeper than limit.
func nestedDeeper(v any, limit int) bool {
	if limit < 0 {
		return true
	}
	switch x := v.(type) {
	case map[string]any:
		for _, item := range x {
			if nestedDeeper(item, limit-1) {
				return true
			}
		}
	case []any:
		for _, item := range x {
			if nestedDeeper(item, limit-1) {
				return true
			}
		}
	}
	return false
}

// validateBody checks a decoded body against its schema, as kin-openapi
// would (defaults included), and leaves the value on the request body for
// the generated handler to bind.
func (ct *contract) validateBody(r *http.Request, b *jsonBody, p *domain.Problems) {
	if len(b.data) == 0 {
		if b.required {
			p.Add("body", "is required")
		}
		return
	}
	if !b.decoded || b.media.Schema == nil || b.media.Schema.Value == nil {
		return
	}
	checkIntegers(newBodyPath(), b.media.Schema.Value, b.value, p)
	defaults := false
	err := b.media.Schema.Value.VisitJSON(b.value, append([]openapi3.SchemaValidationOption{openapi3.VisitAsRequest(),
		openapi3.MultiErrors(), openapi3.DefaultsSet(func() { defaults = true }),
		openapi3.SetSchemaErrorMessageCustomizer(schemaReason)}, ct.options.SchemaValidationOptions...)...)
	if err != nil {
		collectSchema(err, p)
		return
	}
	data := b.data
	if defaults {
		if data, err = json.Marshal(b.value); err != nil {
			p.Add("body", "is invalid")
			return
		}
		r.ContentLength = int64(len(data))
	}
	r.Body = validatedBody{ReadCloser: io.NopCloser(bytes.NewReader(data)), value: b.value}
}

// validatedBody carries the value the contract checked, as kin-openapi's
// KeepValidatedValue does: the generated handlers bind it instead of
// decoding the body again.
type validatedBody struct {
	io.ReadCloser
	value any
}

// ValidatedValue is the decoded body.
func (b validatedBody) ValidatedValue() any { return b.value }

// The years dates may have.
const (
	minYear = 1900
	maxYear = 9999
)

// checkText refuses text no database should be asked to store or search:
// bytes that are not UTF-8, and NUL, which PostgreSQL refuses.
func checkText(name, s string, p *domain.Problems) {
	if reason := badText(s); reason != "" {
		p.Add(name, reason)
	}
}

// badText says what makes s no text a field may hold, or "".
func badText(s string) string {
	if !utf8.ValidString(s) {
		return "must be UTF-8 text"
	} else if strings.ContainsRune(s, 0) {
		return "must not contain NUL characters"
	}
	return ""
}

// checkNumbers names every number in a JSON body that a float64 cannot
// hold, such as 1e400, before a decoder turns it into a vague error.
func checkNumbers(at bodyPath, v any, p *domain.Problems) {
	switch x := v.(type) {
	case json.Number:
		if _, err := x.Float64(); err != nil {
			p.Add(at.String(), "is a number out of range")
		}
	case map[string]any:
		for k, item := range x {
			checkNumbers(at.member(k), item, p)
		}
	case []any:
		for i, item := range x {
			checkNumbers(at.item(i), item, p)
		}
	}
}

// checkIntegers names every whole number written with a fraction or an
// exponent (5.0, 1e2): the contract lets them through, but a client that
// sends them has a bug, and POST and PATCH must answer it alike (a merge
// patch is bound from a decoded value, where 5.0 and 5 look the same).
func checkIntegers(at bodyPath, schema *openapi3.Schema, v any, p *domain.Problems) {
	if schema == nil {
		return
	}
	switch x := v.(type) {
	case json.Number:
		if schema.Type != nil && schema.Type.Is(openapi3.TypeInteger) && strings.ContainsAny(string(x), ".eE") {
			p.Add(at.String(), "must be a whole number written without a fraction or exponent, within range")
		}
	case map[string]any:
		for k, item := range x {
			checkIntegers(at.member(k), propertySchema(schema, k), item, p)
		}
	case []any:
		if schema.Items != nil {
			for i, item := range x {
				checkIntegers(at.item(i), schema.Items.Value, item, p)
			}
		}
	}
}

// propertySchema is the schema of member k of an object schema, looked up
// also in the schemas it combines (allOf, oneOf, anyOf); nil when none has it.
func propertySchema(s *openapi3.Schema, k string) *openapi3.Schema {
	if ref, ok := s.Properties[k]; ok && ref.Value != nil {
		return ref.Value
	}
	for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, ref := range refs {
			if ref.Value == nil {
				continue
			}
			if found := propertySchema(ref.Value, k); found != nil {
				return found
			}
		}
	}
	return nil
}

// checkTexts applies checkText to every string in a decoded JSON body.
func checkTexts(at bodyPath, v any, p *domain.Problems) {
	switch x := v.(type) {
	case string:
		if reason := badText(x); reason != "" {
			p.Add(at.String(), reason)
		}
	case map[string]any:
		for k, item := range x {
			if reason := badText(k); reason != "" {
				p.Add(at.member(k).String(), reason)
			}
			checkTexts(at.member(k), item, p)
		}
	case []any:
		for i, item := range x {
			checkTexts(at.item(i), item, p)
		}
	}
}

// validateSchema checks a decoded document against a schema of the
// contract, naming every bad field.
func (ct *contract) validateSchema(name string, v any) error {
	ref := ct.spec.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("no schema %s in the contract", name)
	}
	err := ref.Value.VisitJSON(v, append([]openapi3.SchemaValidationOption{openapi3.MultiErrors(), openapi3.VisitAsRequest()}, ct.options.SchemaValidationOptions...)...)
	if err == nil {
		return nil
	}
	var p domain.Problems
	collectSchema(err, &p)
	return p.Err()
}

// collectSchema names every field a schema check of a body refused.
func collectSchema(err error, p *domain.Problems) {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		for _, e := range multi {
			collectBody(e, p)
		}
		return
	}
	collectBody(err, p)
}

// collect flattens kin-openapi's errors into named fields.
func collect(err error, p *domain.Problems) {
	if multi, ok := err.(openapi3.MultiError); ok {
		for _, e := range multi {
			collect(e, p)
		}
		return
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		switch {
		case re.Parameter != nil:
			if reasons := schemaReasons(re.Err); len(reasons) > 0 {
				for _, r := range reasons {
					p.Add(re.Parameter.Name, r)
				}
				return
			}
			reason := re.Reason
			if re.Err != nil && errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
				reason = "is required"
			} else if reason == "" {
				reason = "is invalid"
			}
			p.Add(re.Parameter.Name, reason)
		case re.RequestBody != nil && re.Err != nil:
			if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
				p.Add("body", "is required")
				return
			}
			collectSchema(re.Err, p)
		default:
			p.Add("request", re.Reason)
		}
		return
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		collectBody(se, p)
		return
	}
	var sec *openapi3filter.SecurityRequirementsError
	if errors.As(err, &sec) {
		return // authorization is the domain's job
	}
	p.Add("request", "is invalid")
}

// fieldName writes a JSON pointer the way the domain names fields:
// memberships[1].role.
func fieldName(pointer []string) string {
	var b strings.Builder
	for _, seg := range pointer {
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// schemaReasons explains each schema error in err.
func schemaReasons(err error) []string {
	if multi, ok := err.(openapi3.MultiError); ok {
		var out []string
		for _, e := range multi {
			out = append(out, schemaReasons(e)...)
		}
		return out
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return []string{schemaReason(se)}
	}
	return nil
}

func collectBody(err error, p *domain.Problems) {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		var pe *openapi3filter.ParseError
		if errors.As(err, &pe) {
			p.Add("body", "is not valid "+strings.TrimSpace(strings.Split(pe.Error(), ":")[0]))
			return
		}
		p.Add("body", "is not valid JSON of the expected shape")
		return
	}
	name := fieldName(se.JSONPointer())
	switch {
	case se.SchemaField == "required":
		p.Add(name, "is required")
		return
	case se.SchemaField == "properties" && strings.Contains(se.Reason, "unsupported"):
		// kin-openapi reports an unknown property at its parent; name the property.
		if extra := quoted(se.Reason); extra != "" {
			p.Add(strings.TrimPrefix(name+"."+extra, "."), "is not a field of this resource")
			return
		}
	}
	if name == "" {
		name = "body"
	}
	p.Add(name, schemaReason(se))
}

// schemaReason says what a value must be, without echoing the value.
func schemaReason(se *openapi3.SchemaError) string {
	s := se.Schema
	switch se.SchemaField {
	case "format":
		if s != nil {
			switch s.Format {
			case "date":
				return "must be a date such as 2019-09-01"
			case "date-time":
				return "must be a date-time in UTC such as 2019-09-01T10:00:00Z"
			case "email":
				return "must be an email address"
			case "uri":
				return "must be an absolute URL such as https://example.org"
			case "uuid":
				return "must be a UUID"
			}
		}
	case "enum":
		if s != nil {
			vals := make([]string, len(s.Enum))
			for i, v := range s.Enum {
				vals[i] = fmt.Sprint(v)
			}
			return "must be one of " + domain.OneOf(vals)
		}
	case "minLength":
		if s != nil {
			if s.MinLength == 1 {
				return "must not be empty"
			}
			return "must be at least " + strconv.FormatUint(s.MinLength, 10) + " characters"
		}
	case "maxLength":
		if s != nil && s.MaxLength != nil {
			return "must be at most " + strconv.FormatUint(*s.MaxLength, 10) + " characters"
		}
	case "minimum":
		if s != nil && s.Min != nil {
			return "must be at least " + strconv.FormatFloat(*s.Min, 'f', -1, 64)
		}
	case "maximum":
		if s != nil && s.Max != nil {
			return "must be at most " + strconv.FormatFloat(*s.Max, 'f', -1, 64)
		}
	case "pattern":
		if s != nil {
			return "must match " + s.Pattern
		}
	case "type":
		if s != nil && s.Type != nil {
			return "must be of type " + strings.Join(s.Type.Slice(), " or ")
		}
	}
	return strings.TrimSuffix(se.Reason, ".")
}

// quoted returns the first "double-quoted" word in s.
func quoted(s string) string {
	_, rest, ok := strings.Cut(s, `"`)
	if !ok {
		return ""
	}
	word, _, ok := strings.Cut(rest, `"`)
	if !ok {
		return ""
	}
	return word
}

// acceptable reports whether an Accept header admits one of the produced
// media types; no header, or a type with no body, admits anything.
func acceptable(accept string, produces []string) bool {
	if strings.TrimSpace(accept) == "" || len(produces) == 0 {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if q, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
				continue
			}
		}
		for _, p := range produces {
			if mediaMatch(mt, p) {
				return true
			}
		}
	}
	return false
}

func mediaMatch(pattern, mt string) bool {
	if pattern == "*/*" || pattern == mt {
		return true
	}
	typ, _, _ := strings.Cut(mt, "/")
	return strings.HasSuffix(pattern, "/*") && strings.TrimSuffix(pattern, "/*") == typ
}

// bodyPath is where a value sits in a request body, as a problem names it:
// "venue.name", "tags[2]"; empty is the body itself. A walk of a body
// appends a step per level, onto one array that siblings reuse, and spells
// the name only for a problem.
type bodyPath []pathStep

// pathStep is a member of an object (index -1) or an item of an array.
type pathStep struct {
	key   string
	index int
}

// newBodyPath is the path of a body, with room for the depth of most.
func newBodyPath() bodyPath { return make(bodyPath, 0, 8) }

func (b bodyPath) member(k string) bodyPath { return append(b, pathStep{key: k, index: -1}) }
func (b bodyPath) item(i int) bodyPath      { return append(b, pathStep{index: i}) }

func (b bodyPath) String() string {
	var s strings.Builder
	for i, step := range b {
		switch {
		case step.index >= 0:
			s.WriteString("[" + strconv.Itoa(step.index) + "]")
		case i > 0:
			s.WriteString("." + step.key)
		default:
			s.WriteString(step.key)
		}
	}
	return s.String()
}
