-- Writes each field Div of the reader's document as HTML of its own (ids
-- prefixed with its key, so footnotes of two fields on one page never clash),
-- with the link and image targets it holds, as a JSON list.
local function render(div)
  local targets = {}
  local body = pandoc.Pandoc(div.content):walk {
    Header = function(h)
      -- A field sits under the page's own headings: '#' in a field is a third-level heading.
      h.level = math.min(h.level + 2, 6)
      return h
    end,
    Link = function(link)
      table.insert(targets, { kind = 'link', target = link.target })
    end,
    Image = function(image)
      table.insert(targets, { kind = 'image', target = image.src })
    end,
  }
  local html = pandoc.write(body, 'html5', { identifier_prefix = div.identifier .. '-' })
  return { key = div.identifier, html = html, targets = targets }
end

function Writer(doc, opts)
  local out = {}
  for _, div in ipairs(doc.blocks) do
    out[#out + 1] = render(div)
  end
  return pandoc.json.encode(out)
end
