-- Drives `flowctl lsp` from Neovim's built-in LSP client (Neovim 0.7: no
-- vim.lsp.start, so vim.lsp.start_client + buf_attach_client), run by
-- server/cli/tests/neovim.rs as
--   nvim --headless --clean -u neovim.lua
-- with FLOWCTL (the binary), WORKSPACE (a copy of fixtures/editor) and
-- REPORT (where to write the JSON report) in the environment.
--
-- Steps, each recorded as { ok = bool, detail = ... } in the report:
--   diagnostics: opening flow.yaml publishes the C6b of library.flow.yaml,
--                a file the editor never opened;
--   completion:  collection names are offered at a test step's collection;
--   definition:  `library/books` in flow.yaml jumps to its key in
--                library.flow.yaml;
--   rename:      renaming it edits both files (applied with
--                vim.lsp.util.apply_workspace_edit, checked in both buffers);
--   test_lens:   with library.flow.yaml's mistake fixed in its buffer, the
--                "▶ Run test" code lens of flow.yaml's test is executed
--                (workspace/executeCommand with the lens's command) and
--                answers that the test passed.
-- The script never writes a file but the report, and always quits.

local flowctl = os.getenv("FLOWCTL")
local workspace = os.getenv("WORKSPACE")
local report_path = os.getenv("REPORT")
local TIMEOUT = 30000

local report = { nvim = tostring(vim.version().major) .. "." .. tostring(vim.version().minor)
  .. "." .. tostring(vim.version().patch), steps = {} }

local function step(name, ok, detail)
  report.steps[name] = { ok = ok and true or false, detail = detail }
end

local function ends_with(s, suffix)
  return type(s) == "string" and s:sub(-#suffix) == suffix
end

-- The 0-based line and column of the first `needle` on a line that also
-- holds `context`, in a file's lines.
local function find(lines, context, needle)
  for index, line in ipairs(lines) do
    if line:find(context, 1, true) then
      local col = line:find(needle, 1, true)
      if col then
        return index - 1, col - 1
      end
    end
  end
  error("fixture has no line with " .. context .. " and " .. needle)
end

-- A request to the server, or why it was not sent (Neovim sends nothing for
-- a method whose capability the server does not advertise, and would wait
-- out the timeout).
local function request(client_id, buf, method, capability, params)
  local client = vim.lsp.get_client_by_id(client_id)
  if not (client and client.server_capabilities and client.server_capabilities[capability]) then
    return nil, "not offered: flowctl lsp does not advertise " .. capability .. " (" .. method .. ")"
  end
  local responses, err = vim.lsp.buf_request_sync(buf, method, params, TIMEOUT)
  local response = responses and responses[client_id]
  if not response then
    return nil, err or "no response"
  end
  if response.error then
    return nil, response.error
  end
  return response.result, nil
end

local function run()
  local root = workspace .. "/flow.yaml"
  local library = workspace .. "/library.flow.yaml"
  local published = {}
  local client_id = vim.lsp.start_client({
    name = "flowctl",
    cmd = { flowctl, "lsp" },
    root_dir = workspace,
    workspace_folders = { { uri = vim.uri_from_fname(workspace), name = "editor" } },
    handlers = {
      ["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
        if result and result.uri then
          published[result.uri] = result.diagnostics
        end
        return vim.lsp.handlers["textDocument/publishDiagnostics"](err, result, ctx, config)
      end,
    },
    on_exit = function(code, signal)
      report.server_exit = { code = code, signal = signal }
    end,
  })
  if not client_id then
    step("start", false, "vim.lsp.start_client returned nil")
    return
  end
  vim.cmd("edit " .. vim.fn.fnameescape(root))
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, client_id)
  local initialized = vim.wait(TIMEOUT, function()
    local client = vim.lsp.get_client_by_id(client_id)
    return report.server_exit ~= nil or (client ~= nil and client.initialized == true)
  end, 10)
  initialized = initialized and report.server_exit == nil
  step("start", initialized, initialized and "initialized"
    or ("no initialize response from `flowctl lsp`" .. (report.server_exit
      and (" (it exited with code " .. tostring(report.server_exit.code) .. ")") or "")))
  if not initialized then
    return
  end

  -- Diagnostics of a file nobody opened.
  local function library_diagnostics()
    for uri, diagnostics in pairs(published) do
      if ends_with(uri, "/library.flow.yaml") and #diagnostics > 0 then
        return uri, diagnostics
      end
    end
  end
  vim.wait(TIMEOUT, function() return library_diagnostics() ~= nil end, 10)
  local library_uri, diagnostics = library_diagnostics()
  local codes = {}
  for _, d in ipairs(diagnostics or {}) do
    table.insert(codes, { code = d.code, range = d.range, message = d.message })
  end
  local lines = vim.fn.readfile(library)
  local members_line, members_col = find(lines, "key: [id]", "id]")
  local found = false
  for _, d in ipairs(codes) do
    if d.code == "C6b" and d.range.start.line == members_line
        and d.range.start.character == members_col then
      found = true
    end
  end
  step("diagnostics", found, { uri = library_uri, diagnostics = codes,
    expected = { code = "C6b", line = members_line, character = members_col } })

  local text_document = { uri = vim.uri_from_fname(root) }
  local root_lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)

  -- Completion after `library/` in a test step's collection.
  local line, col = find(root_lines, "collection: library/books", "library/books")
  local result, err = request(client_id, buf, "textDocument/completion", "completionProvider", {
    textDocument = text_document,
    position = { line = line, character = col + #"library/" },
  })
  local labels = {}
  if result then
    local items = result.items or result
    for _, item in ipairs(items) do
      table.insert(labels, item.label)
    end
  end
  step("completion", vim.tbl_contains(labels, "library/books") and vim.tbl_contains(labels, "library/members"),
    { labels = labels, error = err })

  -- Definition of `library/books` in the transform's source.
  local line, col = find(root_lines, "source: { name: library/books }", "library/books")
  local position = { line = line, character = col + 3 }
  result, err = request(client_id, buf, "textDocument/definition", "definitionProvider", {
    textDocument = text_document,
    position = position,
  })
  local target = nil
  if result then
    if result.uri or result.targetUri then
      result = { result }
    end
    local first = result[1]
    if first then
      target = { uri = first.uri or first.targetUri, range = first.range or first.targetSelectionRange }
    end
  end
  local def_line, def_col = find(lines, "library/books:", "library/books")
  local expected_range = {
    start = { line = def_line, character = def_col },
    ["end"] = { line = def_line, character = def_col + #"library/books" },
  }
  step("definition", target ~= nil and ends_with(target.uri, "/library.flow.yaml")
    and vim.deep_equal(target.range, expected_range),
    { target = target, expected = expected_range, error = err })

  -- Rename `library/books` to `library/volumes` everywhere.
  result, err = request(client_id, buf, "textDocument/rename", "renameProvider", {
    textDocument = text_document,
    position = position,
    newName = "library/volumes",
  })
  local detail = { error = err }
  local ok = false
  if result then
    vim.lsp.util.apply_workspace_edit(result, "utf-16")
    local library_buf = vim.uri_to_bufnr(vim.uri_from_fname(library))
    local root_text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
    local library_text = table.concat(vim.api.nvim_buf_get_lines(library_buf, 0, -1, false), "\n")
    local function count(text, needle)
      local n, from = 0, 1
      while true do
        local at = text:find(needle, from, true)
        if not at then
          return n
        end
        n, from = n + 1, at + #needle
      end
    end
    detail.root = { volumes = count(root_text, "library/volumes"), books = count(root_text, "library/books") }
    detail.library = { volumes = count(library_text, "library/volumes"), books = count(library_text, "library/books") }
    ok = detail.root.volumes == 2 and detail.root.books == 0
      and detail.library.volumes == 1 and detail.library.books == 0
  end
  step("rename", ok, detail)

  -- Fix library.flow.yaml's key in its buffer (now attached, so the server
  -- sees the edit), then run the test through its code lens.
  local library_buf = vim.uri_to_bufnr(vim.uri_from_fname(library))
  vim.fn.bufload(library_buf)
  vim.lsp.buf_attach_client(library_buf, client_id)
  local library_lines = vim.api.nvim_buf_get_lines(library_buf, 0, -1, false)
  local key_line = find(library_lines, "key: [id]", "id]")
  vim.api.nvim_buf_set_lines(library_buf, key_line, key_line + 1, false, { "    key: [/id]" })
  -- (Neovim sends the change after a debounce: wait for its diagnostics.)
  local fixed = vim.wait(TIMEOUT, function()
    for uri, diagnostics in pairs(published) do
      if ends_with(uri, "/library.flow.yaml") then
        return #diagnostics == 0
      end
    end
    return false
  end, 10)
  local lenses
  lenses, err = request(client_id, buf, "textDocument/codeLens", "codeLensProvider", {
    textDocument = text_document,
  })
  local lens = nil
  for _, item in ipairs(lenses or {}) do
    if item.command and item.command.title == "▶ Run test" then
      lens = item
    end
  end
  detail = { fixed = fixed, lenses = lenses, error = err }
  ok = false
  if lens then
    result, err = request(client_id, buf, "workspace/executeCommand", "executeCommandProvider", {
      command = lens.command.command,
      arguments = lens.command.arguments,
    })
    detail.result = result
    detail.error = err
    ok = result ~= nil and result.status == "passed" and result.passed == 1 and result.failed == 0
  end
  step("test_lens", ok, detail)

  vim.lsp.stop_client(client_id)
end

local ok, failure = pcall(run)
if not ok then
  report.error = tostring(failure)
end
vim.fn.writefile({ vim.fn.json_encode(report) }, report_path)
vim.cmd("qa!")
