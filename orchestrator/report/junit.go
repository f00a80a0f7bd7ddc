package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/honoctl/honoctl/orchestrator/check"
)

// The JUnit XML shape CI systems read (the Ant schema as Jenkins, GitLab
// and GitHub's test reporters accept it): a suite per channel, a test case
// per finding.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the report as JUnit XML; a warning is a passing test
// whose output says so.
func WriteJUnit(w io.Writer, r *Report) error {
	c := Count(r.Findings)
	doc := junitSuites{Name: "honoctl check " + r.Stack, Tests: len(r.Findings), Failures: c.Fail,
		Skipped: c.Skip, Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
	for _, ch := range r.channels() {
		s := junitSuite{Name: fmt.Sprintf("channel %d: %s", ch, ch)}
		for _, f := range r.sorted() {
			if f.Channel != ch {
				continue
			}
			tc := junitCase{Name: f.Check + " " + f.Link, Classname: fmt.Sprintf("channel%d", ch),
				SystemOut: evidenceText(f)}
			switch f.Status {
			case check.Fail:
				tc.Failure = &junitFailure{Message: f.Message, Type: f.Check, Text: f.Hint}
				s.Failures++
			case check.Skip:
				tc.Skipped = &junitSkipped{Message: f.Message}
				s.Skipped++
			case check.Warn:
				tc.SystemOut = "WARNING: " + f.Message + "\nfix: " + f.Hint + "\n" + tc.SystemOut
			}
			s.Tests++
			s.Cases = append(s.Cases, tc)
		}
		doc.Suites = append(doc.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func evidenceText(f check.Finding) string {
	var b strings.Builder
	for _, e := range f.Evidence {
		fmt.Fprintf(&b, "%s: %s\n", e.Key, e.Value)
	}
	return b.String()
}
