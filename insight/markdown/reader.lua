-- Reads a JSON list of {key, markdown} into one document with a Div per field,
-- so that pandoc starts once per briefing however many fields it has.
-- Raw HTML and raw TeX are off: what an editor types is always text. Task lists
-- would make form controls and $...$ TeX mathematics: '[ ]' and '$' stay text.
local DIALECT = 'markdown-raw_html-raw_attribute-raw_tex-native_divs-native_spans'
  .. '-task_lists-tex_math_dollars'

function Reader(input, opts)
  local fields = pandoc.json.decode(tostring(input), false)
  local blocks = pandoc.Blocks {}
  for _, field in ipairs(fields) do
    local doc = pandoc.read(field.markdown, DIALECT, opts)
    blocks:insert(pandoc.Div(doc.blocks, { id = field.key }))
  end
  return pandoc.Pandoc(blocks)
end
