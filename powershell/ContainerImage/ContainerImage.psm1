# ContainerImage: container images on a Docker engine, as PowerShell objects.
# Public/ holds one exported function per file; Private/ the helpers (the backend process, errors,
# conversion, completion). The backend is Python (backend/ in the source tree), spoken to as JSON-RPC.

$script:ModuleRoot = $PSScriptRoot

foreach ($file in [System.IO.Directory]::GetFiles("$PSScriptRoot/Private", '*.ps1')) { . $file }

# Start Python now, in the background (Import-Module does not wait for it), so that its start-up overlaps
# with the rest of the import and the first command: the settings file's Python when it names one (the
# handshake says if the file meant another). A failure is not reported here: the first command reports it,
# with how to fix it.
$script:SettingsPython = Read-SettingsPython
$started = Start-BackendProcess -Background
if ($started -is [hashtable]) { $script:Backend = $started }

foreach ($file in [System.IO.Directory]::GetFiles("$PSScriptRoot/Public", '*.ps1')) { . $file }

Register-ContainerImageCompleter
Register-EngineCompleter
# The views and type data are the manifest's FormatsToProcess and TypesToProcess, loaded by Import-Module
# itself: objects that come from Import-Clixml or another session (Deserialized.*) before any command of
# this one render with the same views.

$ExecutionContext.SessionState.Module.OnRemove = { Stop-Backend }
