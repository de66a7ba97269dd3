package app

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCodeAndMessage(t *testing.T) {
	notFound := Errorf(ENOTFOUND, "appointment not found")
	wrapped := fmt.Errorf("load: %w", notFound)
	for _, tc := range []struct {
		name      string
		err       error
		code, msg string
	}{
		{"Nil", nil, "", ""},
		{"AppError", notFound, ENOTFOUND, "appointment not found"},
		{"Wrapped", wrapped, ENOTFOUND, "appointment not found"},
		{"Plain", errors.New("disk on fire"), EINTERNAL, "Something went wrong on our side. Please try again."},
		{"InternalHidesDetail", Errorf(EINTERNAL, "secret detail"), EINTERNAL, "Something went wrong on our side. Please try again."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ErrorCode(tc.err); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
			if tc.err != nil && ErrorMessage(tc.err) != tc.msg {
				t.Errorf("message %q, want %q", ErrorMessage(tc.err), tc.msg)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	if Invalid(nil) != nil || Invalid(map[string]string{}) != nil {
		t.Fatal("no fields must be no error")
	}
	one := Invalid(map[string]string{"email": "is required"})
	if ErrorCode(one) != EINVALID || ErrorMessage(one) != "email is required" || ErrorFields(one)["email"] != "is required" {
		t.Fatalf("one field: %v", one)
	}
	if one.Error() != "invalid: email is required" { // once, not "email is required (email is required)"
		t.Fatalf("one field says: %q", one.Error())
	}
	two := Invalid(map[string]string{"b": "x", "a": "y"})
	if two.Error() != "invalid: please correct the highlighted fields (a y; b x)" {
		t.Fatalf("two fields: %q", two.Error())
	}
}
