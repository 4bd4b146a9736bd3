package model

import (
	"bytes"
	"encoding/json"
	"regexp"
)

// plainMember is a member name safe to repeat in an error message.
var plainMember = regexp.MustCompile(`^[A-Za-z0-9_.]{1,40}$`)

// duplicateMember returns an error naming the first member that appears twice
// in one JSON object anywhere in data (RFC 8259 leaves such a document's
// meaning to each parser: Go keeps the last, others the first, so a proxy,
// a log and kotodigi could each see a different request), or nil. Syntax
// errors are left to the decoder.
func duplicateMember(data []byte) error {
	type frame struct {
		names   map[string]bool // nil for an array
		wantKey bool
	}
	var stack []*frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].names != nil {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &frame{names: map[string]bool{}, wantKey: true})
			case '[':
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if top := len(stack) - 1; top >= 0 && stack[top].wantKey {
				f := stack[top]
				if f.names[t] {
					if plainMember.MatchString(t) {
						return Errorf(CodeBadRequest, "the member %q appears twice in one JSON object", t)
					}
					return Errorf(CodeBadRequest, "a member appears twice in one JSON object")
				}
				f.names[t], f.wantKey = true, false
				continue
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// DecodeMembers reads the members of a JSON object, such as a merge patch,
// refusing a document that is not one object or names a member twice
// anywhere (as DecodeStrict does).
func DecodeMembers(data []byte) (map[string]json.RawMessage, error) {
	if err := duplicateMember(data); err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil || members == nil {
		return nil, Errorf(CodeBadRequest, "the body must be a JSON object")
	}
	return members, nil
}
