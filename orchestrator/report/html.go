package report

import (
	"fmt"
	"html/template"
	"io"

	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// node is a box of the diagram.
type node struct {
	Name, Label string
	X, Y        int
}

// edge is a link of the diagram, coloured by the worst finding on it.
type edge struct {
	X1, Y1, X2, Y2 int
	MX, MY         int
	Channel        int
	Status         check.Status
	Title          string
}

// Fixed places for the services, so every report draws the stack the same
// way: applications and devices on the left, the Auth Server top right.
var places = map[topology.Role][2]int{
	topology.RoleRouter:      {330, 70},
	topology.RoleAuth:        {760, 70},
	topology.RoleMessaging:   {330, 250},
	topology.RoleRegistry:    {760, 250},
	topology.RoleHTTPAdapter: {330, 430},
	topology.RoleMQTTAdapter: {545, 430},
	topology.RoleKuraAdapter: {760, 430},
}

var outsiders = map[string][2]int{
	topology.ClientApplication: {90, 70},
	topology.ClientDevice:      {90, 430},
}

func diagram(r *Report) ([]node, []edge) {
	if r.Topology == nil {
		return nil, nil
	}
	pos := map[string][2]int{}
	var nodes []node
	for name, p := range outsiders {
		pos[name] = p
		nodes = append(nodes, node{Name: name, Label: name, X: p[0], Y: p[1]})
	}
	for _, s := range r.Topology.Services {
		p := places[s.Role]
		pos[s.Name] = p
		nodes = append(nodes, node{Name: s.Name, Label: s.Name, X: p[0], Y: p[1]})
	}

	byLink := map[string][]check.Finding{}
	for _, f := range r.Findings {
		byLink[f.Link] = append(byLink[f.Link], f)
	}
	var edges []edge
	for _, l := range r.Topology.Links {
		a, b := pos[l.Client], pos[l.Server]
		status := check.Skip
		if fs, ok := byLink[l.String()]; ok {
			status = check.Worst(fs)
		}
		edges = append(edges, edge{X1: a[0], Y1: a[1], X2: b[0], Y2: b[1],
			MX: (a[0] + b[0]) / 2, MY: (a[1] + b[1]) / 2, Channel: int(l.Channel), Status: status,
			Title: fmt.Sprintf("channel %d: %s (%s)", l.Channel, l, status)})
	}
	return nodes, edges
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>honoctl check {{.R.Stack}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.3em}.verdict{font-weight:bold;padding:.5em;border-radius:4px}
.pass{color:#17692c}.warn{color:#8a5b00}.fail{color:#b00020}.skip{color:#777}
.v-pass{background:#e3f4e6}.v-warn{background:#fff3d6}.v-fail{background:#fde3e6}
table{border-collapse:collapse;width:100%;margin-top:1em}
th,td{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
td.hint{color:#444;font-size:.92em}
svg text{font:12px system-ui,sans-serif}
.e-pass{stroke:#2e9b46}.e-warn{stroke:#d19a00}.e-fail{stroke:#d0021b}.e-skip{stroke:#aaa;stroke-dasharray:4}
details{margin:.2em 0}code{font-size:.92em}
</style></head><body>
<h1>honoctl check: {{.R.Stack}}</h1>
<p class="verdict v-{{.Worst}}">{{.R.Verdict}}</p>
<p>Started {{.R.Started.UTC.Format "2006-01-02 15:04:05 UTC"}}.</p>
<svg viewBox="0 0 860 500" width="860" height="500" role="img" aria-label="services and TLS channels">
{{range .Edges}}<g><title>{{.Title}}</title>
<line x1="{{.X1}}" y1="{{.Y1}}" x2="{{.X2}}" y2="{{.Y2}}" class="e-{{.Status}}" stroke-width="3"/>
<circle cx="{{.MX}}" cy="{{.MY}}" r="10" fill="#fff" class="e-{{.Status}}" stroke-width="2"/>
<text x="{{.MX}}" y="{{.MY}}" dy="4" text-anchor="middle">{{.Channel}}</text></g>
{{end}}{{range .Nodes}}<g><rect x="{{.X}}" y="{{.Y}}" transform="translate(-75,-20)" width="150" height="40" rx="6" fill="#f4f6fa" stroke="#456"/>
<text x="{{.X}}" y="{{.Y}}" dy="4" text-anchor="middle">{{.Label}}</text></g>
{{end}}</svg>
<table><thead><tr><th>Ch</th><th>Link</th><th>Check</th><th>Status</th><th>Detail</th></tr></thead><tbody>
{{range .Findings}}<tr><td>{{.Channel}}</td><td><code>{{.Link}}</code></td><td>{{.Check}}</td>
<td class="{{.Status}}">{{.Status}}</td><td>{{.Message}}
{{if .Hint}}{{if ne .Status "pass"}}<div class="hint"><b>Fix:</b> {{.Hint}}</div>{{end}}{{end}}
{{if .Evidence}}<details><summary>evidence</summary><ul>{{range .Evidence}}<li>{{.Key}}: <code>{{.Value}}</code></li>{{end}}</ul></details>{{end}}
</td></tr>
{{end}}</tbody></table>
</body></html>
`))

// WriteHTML writes one self-contained page: a diagram of the services with
// every link coloured by its worst finding, then the findings.
func WriteHTML(w io.Writer, r *Report) error {
	nodes, edges := diagram(r)
	return page.Execute(w, struct {
		R        *Report
		Worst    check.Status
		Nodes    []node
		Edges    []edge
		Findings []check.Finding
	}{r, check.Worst(r.Findings), nodes, edges, r.sorted()})
}
