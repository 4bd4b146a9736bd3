// Package mail sends notification e-mail over SMTP (STARTTLS when the server
// offers it; credentials only over TLS or to localhost, as net/smtp insists).
package mail

import (
	"bytes"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// Sender is an SMTP relay.
type Sender struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
}

// Enabled reports whether SMTP is configured.
func (s *Sender) Enabled() bool { return s != nil && s.Addr != "" && s.From != "" }

// Send delivers one plain-text UTF-8 message.
func (s *Sender) Send(to, subject, body string) error {
	if _, err := mail.ParseAddress(to); err != nil {
		return fmt.Errorf("mail: bad recipient address")
	}
	if strings.ContainsAny(to+subject, "\r\n") {
		return fmt.Errorf("mail: header injection refused")
	}
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		s.From, to, mime.QEncoding.Encode("utf-8", subject), time.Now().UTC().Format(time.RFC1123Z))
	msg.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	var auth smtp.Auth
	if s.Username != "" {
		host, _, err := net.SplitHostPort(s.Addr)
		if err != nil {
			return err
		}
		auth = smtp.PlainAuth("", s.Username, s.Password, host)
	}
	return smtp.SendMail(s.Addr, auth, s.From, []string{to}, msg.Bytes())
}
