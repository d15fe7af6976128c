"""The print edition: one A4 PDF per briefing, through Jinja, one stylesheet and WeasyPrint.

`jobs` plans a build's PDFs and `document` makes each one's HTML, in the build's process;
`render` lays them out with WeasyPrint, in worker processes that `workers` starts. This
package imports nothing itself, so that a worker loads only what laying out takes.
"""
