package importer

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Mapping renames the columns of an export and translates its code values,
// so that a file from another system is imported as it is (--mapping FILE).
// The format, one rule a line (blank lines and lines starting with # are
// ignored):
//
//	[columns]
//	hetu = personal_identity_code
//	kieli = service_language
//	vanha_tunnus = -             (a column to ignore)
//
//	[values kieli]               (a column by its name in the file or in kotodigi)
//	ruotsi = sv
//	suomi = fi
//
// Names and values are compared without regard to case or surrounding
// spaces. A value without a rule is taken as it is.
type Mapping struct {
	// Columns maps a file's column name (folded) to a kotodigi column, or "-".
	Columns map[string]string
	// Values maps a column (folded; a file's or kotodigi's name) to its
	// value rules (folded source value → value).
	Values map[string]map[string]string
}

// Ignore is the target of a column that is not imported.
const Ignore = "-"

// Limits of a mapping file.
const (
	maxMappingBytes = 1 << 20
	maxMappingRules = 10_000
)

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ParseMapping reads a mapping file. An error names the line.
func ParseMapping(r io.Reader) (*Mapping, error) {
	m := &Mapping{Columns: map[string]string{}, Values: map[string]map[string]string{}}
	sc := bufio.NewScanner(io.LimitReader(r, maxMappingBytes))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	section, values, line, rules := "", map[string]string(nil), 0, 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if !utf8.ValidString(text) {
			return nil, fmt.Errorf("mapping line %d: not UTF-8 text", line)
		}
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if strings.HasPrefix(text, "[") {
			if !strings.HasSuffix(text, "]") {
				return nil, fmt.Errorf("mapping line %d: a section is written [columns] or [values COLUMN]", line)
			}
			head := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(text, "["), "]"))
			switch {
			case len(head) == 1 && fold(head[0]) == "columns":
				section = "columns"
			case len(head) >= 2 && fold(head[0]) == "values":
				section = "values"
				col := fold(strings.Join(head[1:], " "))
				if m.Values[col] == nil {
					m.Values[col] = map[string]string{}
				}
				values = m.Values[col]
			default:
				return nil, fmt.Errorf("mapping line %d: unknown section %q", line, text)
			}
			continue
		}
		from, to, ok := strings.Cut(text, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || from == "" {
			return nil, fmt.Errorf("mapping line %d: a rule is written NAME = VALUE", line)
		}
		if rules++; rules > maxMappingRules {
			return nil, fmt.Errorf("mapping: more than %d rules", maxMappingRules)
		}
		switch section {
		case "columns":
			if to == "" {
				return nil, fmt.Errorf("mapping line %d: the column %q maps to nothing (write - to ignore it)", line, from)
			}
			if _, dup := m.Columns[fold(from)]; dup {
				return nil, fmt.Errorf("mapping line %d: the column %q is mapped twice", line, from)
			}
			m.Columns[fold(from)] = fold(to)
		case "values":
			if _, dup := values[fold(from)]; dup {
				return nil, fmt.Errorf("mapping line %d: the value %q is mapped twice", line, from)
			}
			values[fold(from)] = to
		default:
			return nil, fmt.Errorf("mapping line %d: a rule before any [columns] or [values COLUMN] section", line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mapping: %v", err)
	}
	return m, nil
}

// column is the kotodigi column of a file's header name.
func (m *Mapping) column(name string) string {
	n := fold(name)
	if m != nil {
		if to, ok := m.Columns[n]; ok {
			return to
		}
	}
	return n
}

// valueRules are the value rules of a column known in the file as source and
// in kotodigi as target.
func (m *Mapping) valueRules(source, target string) map[string]string {
	if m == nil {
		return nil
	}
	if v, ok := m.Values[fold(source)]; ok {
		return v
	}
	return m.Values[target]
}
