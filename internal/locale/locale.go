// Package locale holds the Finnish, Swedish and English message catalogs and
// picks the language of a request. Catalogs are JSON files, one per language,
// with the same keys (a test checks parity).
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

//go:embed catalog/*.json
var files embed.FS

// Languages in order of preference; the first is the default.
var Languages = []string{"fi", "sv", "en"}

var matcher = language.NewMatcher([]language.Tag{language.Finnish, language.Swedish, language.English})

// Catalog maps language → key → message.
type Catalog struct {
	msgs map[string]map[string]string
}

// Load reads the embedded catalogs.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, l := range Languages {
		b, err := files.ReadFile("catalog/" + l + ".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", l, err)
		}
		c.msgs[l] = m
	}
	return c, nil
}

// MustLoad is Load for program start-up.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Keys returns the keys of one language (for the parity test).
func (c *Catalog) Keys(lang string) []string {
	var out []string
	for k := range c.msgs[lang] {
		out = append(out, k)
	}
	return out
}

// Has reports whether key exists in the default language.
func (c *Catalog) Has(key string) bool { _, ok := c.msgs[Languages[0]][key]; return ok }

// T returns the message for key in lang, formatted with args (fmt verbs).
// A missing key falls back to Finnish, then to the key itself.
func (c *Catalog) T(lang, key string, args ...any) string {
	msg, ok := c.msgs[lang][key]
	if !ok {
		msg, ok = c.msgs[Languages[0]][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Negotiate picks the language: an explicit choice (cookie or parameter) if
// supported, else the Accept-Language header, else Finnish.
func Negotiate(choice, acceptLanguage string) string {
	if Supported(choice) {
		return choice
	}
	if strings.TrimSpace(acceptLanguage) == "" {
		return Languages[0]
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Languages[0]
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return Languages[0]
	}
	return Languages[i]
}
