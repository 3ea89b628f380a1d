function Register-ContainerImageCompleter {
    # Tab completion of local image names (repository and repository:tag) for every -Name that takes one.
    $completer = {
        param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
        $word = ($wordToComplete -replace "^['`"]|['`"]$", '')
        $result = Invoke-Backend -Method image.list -Params @{ name = @("$word*") }
        if ($result -is [System.Management.Automation.ErrorRecord]) { return }   # no completion beats an error while typing
        $rows = $result.images
        $names = foreach ($row in $rows) {
            if ($row.Repository) { $row.Repository; if ($row.Tag) { "$($row.Repository):$($row.Tag)" } }
        }
        $names | Sort-Object -Unique | ForEach-Object {
            [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
        }
    }
    foreach ($command in 'Get-ContainerImage', 'Install-ContainerImage') {
        Register-ArgumentCompleter -CommandName $command -ParameterName Name -ScriptBlock $completer
    }
}
