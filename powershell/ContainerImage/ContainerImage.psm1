# ContainerImage: container images on a Docker engine, as PowerShell objects.
# Public/ holds one exported function per file; Private/ the helpers (the backend process, errors,
# conversion, completion). The backend is Python (backend/ in the source tree), spoken to as JSON-RPC.

$script:ModuleRoot = $PSScriptRoot

foreach ($folder in 'Private', 'Public') {
    foreach ($file in Get-ChildItem -Path (Join-Path $PSScriptRoot $folder) -Filter '*.ps1') {
        . $file.FullName
    }
}

Register-ContainerImageCompleter

$ExecutionContext.SessionState.Module.OnRemove = { Stop-Backend }
