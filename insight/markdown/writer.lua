-- Writes each field Div of the reader's document as HTML of its own (ids
-- prefixed with its key, so footnotes of two fields on one page never clash),
-- as a JSON list with, for each field, the link and image targets it holds (and each
-- image's alt text), the deepest nesting of its lists and quotations, and the widest
-- of its tables.
--
-- This is the allow-list at the Markdown boundary: attributes a source writes
-- ({#id .class key=value} on spans, divs, links, images, code, headings, tables)
-- never reach the HTML, whatever they say. The HTML holds only what pandoc itself
-- generates: heading ids, footnote links, the alignment of table columns.

local function bare(element)
  element.attr = pandoc.Attr()
  return element
end

-- A row of cells, a table head, body or foot, all without attributes.
local function bare_rows(rows)
  for _, row in ipairs(rows) do
    bare(row)
    for _, cell in ipairs(row.cells) do
      bare(cell)
    end
  end
end

local function bare_table(table)
  bare(table)
  -- Column widths would come back as inline styles; the stylesheets lay tables out.
  for index, colspec in ipairs(table.colspecs) do
    table.colspecs[index] = { colspec[1] }
  end
  bare(table.head)
  bare_rows(table.head.rows)
  for _, body in ipairs(table.bodies) do
    bare(body)
    bare_rows(body.head)
    bare_rows(body.body)
  end
  bare(table.foot)
  bare_rows(table.foot.rows)
  return table
end

local ALLOWED = {
  -- A span or div without attributes means nothing: keep only what it holds.
  Span = function(span) return span.content end,
  Div = function(div) return div.content end,
  -- Small capitals would come back as a class; the stylesheets have none for it.
  SmallCaps = function(smallcaps) return smallcaps.content end,
  Header = function(header)
    header.attr = pandoc.Attr(header.identifier)
    -- A field sits under the page's own headings: '#' in a field is a third-level heading.
    header.level = math.min(header.level + 2, 6)
    return header
  end,
  Link = bare,
  Image = bare,
  Code = bare,
  CodeBlock = bare,
  Figure = bare,
  Table = bare_table,
}

-- Blocks that indent what they hold: the print layout can hold only so many inside each other.
local NESTING = { BulletList = true, OrderedList = true, DefinitionList = true, BlockQuote = true }

-- The blocks an indenting block holds, as one list.
local function inner_blocks(block)
  if block.tag == 'BlockQuote' then
    return block.content
  end
  local inner = pandoc.Blocks {}
  for _, item in ipairs(block.content) do
    if block.tag == 'DefinitionList' then
      for _, definition in ipairs(item[2]) do
        inner:extend(definition)
      end
    else
      inner:extend(item)
    end
  end
  return inner
end

-- How many indenting blocks the deepest part of `blocks` sits inside (footnotes and
-- table cells included).
local function nesting(blocks)
  local deepest = 0
  blocks:walk {
    traverse = 'topdown',
    Block = function(block)
      if NESTING[block.tag] then
        deepest = math.max(deepest, 1 + nesting(inner_blocks(block)))
        return block, false
      end
    end,
  }
  return deepest
end

local function widest_table(blocks)
  local widest = 0
  blocks:walk {
    Table = function(table)
      widest = math.max(widest, #table.colspecs)
    end,
  }
  return widest
end

local function render(div)
  local targets = {}
  local blocks = div.content
  local filter = {
    Link = function(link)
      table.insert(targets, { kind = 'link', target = link.target })
    end,
    Image = function(image)
      -- The alt text is what screen readers say for the image, in the site and the PDF.
      local alt = pandoc.utils.stringify(image.caption)
      table.insert(targets, { kind = 'image', target = image.src, alt = alt })
    end,
  }
  for name, allow in pairs(ALLOWED) do
    local record = filter[name]
    filter[name] = record and function(element)
      record(element)
      return allow(element)
    end or allow
  end
  local body = pandoc.Pandoc(blocks):walk(filter)
  local html = pandoc.write(body, 'html5', {
    identifier_prefix = div.identifier .. '-',
    -- One line per block: nothing downstream has to find a tag split over lines.
    wrap_text = 'wrap-none',
  })
  return {
    key = div.identifier,
    html = html,
    targets = targets,
    nesting = nesting(blocks),
    columns = widest_table(blocks),
  }
end

function Writer(doc, opts)
  local out = {}
  for _, div in ipairs(doc.blocks) do
    out[#out + 1] = render(div)
  end
  return pandoc.json.encode(out)
end
