-- Number the captions of figures and tables in the HTML reports ("Figure 3 : …", "Tableau 2 : …"), as Typst
-- numbers them in the PDF. Used by emploi_lab.render.to_html (pandoc --lua-filter); the Typst path does not use it.
local n_fig, n_tab = 0, 0
local function prefix(caption, label)
  if caption and caption.long and #caption.long > 0 then
    local first = caption.long[1]
    if first.content then table.insert(first.content, 1, pandoc.Str(label .. "\u{a0}: ")) end
  end
end
function Figure(fig)
  n_fig = n_fig + 1
  prefix(fig.caption, "Figure\u{a0}" .. n_fig)
  return fig
end
function Table(tbl)
  if tbl.caption and tbl.caption.long and #tbl.caption.long > 0 then
    n_tab = n_tab + 1
    prefix(tbl.caption, "Tableau\u{a0}" .. n_tab)
  end
  return tbl
end
