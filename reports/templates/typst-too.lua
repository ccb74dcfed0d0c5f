-- The document's Typst too, from the same reading of its Markdown as its HTML page (emploi_lab.render): one pandoc
-- process a report instead of two (two starts, two readings). Given `--variable=typst-out:PATH` and
-- `--variable=typst-template:PATH`, it writes to PATH what `pandoc --to typst --standalone --template=...` writes,
-- before anything changes the document for the HTML page (so it runs before number-captions.lua): the PDF numbers
-- its captions itself, and says what the HTML's banners say (the divisions of class synthetic-banner and
-- provenance) from the metadata, on its cover.
local HTML_ONLY = {["synthetic-banner"] = true, provenance = true}

local function drop_html_only(div)
  for _, class in ipairs(div.classes) do
    if HTML_ONLY[class] then return {} end
  end
end

function Pandoc(doc)
  local vars = PANDOC_WRITER_OPTIONS.variables
  if vars["typst-out"] == nil or vars["typst-template"] == nil then
    error("typst-too.lua needs --variable=typst-out:PATH and --variable=typst-template:PATH")
  end
  local out, template = tostring(vars["typst-out"]), tostring(vars["typst-template"])
  local f = assert(io.open(template, "r"))
  local text = f:read("a")
  f:close()
  local typ = pandoc.write(doc:walk({Div = drop_html_only}), "typst", {template = pandoc.template.compile(text, template)})
  f = assert(io.open(out, "w"))
  f:write(typ)
  f:close()
end
