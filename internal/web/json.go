package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/app"
)

// maxBody is the largest request body we read.
const maxBody = 1 << 20

// writeJSON writes v with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// decodeJSON reads exactly one JSON object into v, refusing unknown fields,
// wrong types, trailing data and bodies over 1 MiB, each with a clear message.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return app.Errorf(app.EINVALID, "the body must be JSON (Content-Type: application/json)")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return app.Errorf(app.EINVALID, "the body must hold one JSON object and nothing after it")
	}
	return nil
}

// jsonError explains a decoding error, naming the field where there is one.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return app.Errorf(app.EINVALID, "the body is empty; it must be a JSON object")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return app.Errorf(app.EINVALID, "the body is not valid JSON")
	case errors.As(err, &typ) && typ.Field != "":
		return app.Invalid(map[string]string{typ.Field: "must be " + jsonKind(typ.Type.Kind().String())})
	case errors.As(err, &typ):
		return app.Errorf(app.EINVALID, "the body must be a JSON object")
	case errors.As(err, &tooBig):
		return app.Errorf(app.EINVALID, "the body is larger than 1 MiB")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return app.Invalid(map[string]string{name: "is not a known field"})
	}
	return app.Errorf(app.EINVALID, "the body could not be read: %v", err)
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "bool":
		return "true or false"
	case k == "map", k == "struct":
		return "an object"
	case k == "slice":
		return "a list"
	}
	return "of another type"
}

// pathID reads a numeric ID from the path; anything else is not found.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, app.Errorf(app.ENOTFOUND, "not found")
	}
	return id, nil
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, app.Invalid(map[string]string{name: fmt.Sprintf("must be a whole number, not %q", v)})
	}
	return n, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
