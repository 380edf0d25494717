// Package domain holds what every domain package shares: error codes, the
// acting caller and its role, and the change record that every write leaves.
package domain

import (
	"errors"
	"fmt"
)

// Code classifies a domain error; the HTTP layer maps each code to one status.
type Code string

const (
	CodeInvalid            Code = "invalid-input"
	CodeUnauthenticated    Code = "unauthenticated"
	CodeForbidden          Code = "forbidden"
	CodeNotFound           Code = "not-found"
	CodeGone               Code = "gone"
	CodeConflict           Code = "conflict"
	CodeUnprocessable      Code = "unprocessable"
	CodeTooManyRequests    Code = "too-many-requests"
	CodePreconditionFailed Code = "precondition-failed"
	CodePreconditionNeeded Code = "precondition-required"
	CodeUnavailable        Code = "unavailable" // the database cannot serve now but may soon: read only, full, locked, unreachable
	CodeInternal           Code = "internal"
)

// FieldError names one invalid field and why.
type FieldError struct {
	Name   string
	Reason string
}

// Error is an error the caller can act on: a code, a message safe to show, and
// for invalid input every field that is wrong.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, CodeInternal
// for any other error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Problems collects invalid fields so that a caller hears of all of them at once.
type Problems []FieldError

// Add records that field name is invalid for reason.
func (p *Problems) Add(name, reason string) {
	*p = append(*p, FieldError{Name: name, Reason: reason})
}

// Err returns nil when nothing was added, otherwise an invalid-input *Error.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	msg := fmt.Sprintf("%s: %s", p[0].Name, p[0].Reason)
	if len(p) > 1 {
		msg = fmt.Sprintf("%d fields are invalid", len(p))
	}
	return &Error{Code: CodeInvalid, Message: msg, Fields: p}
}
