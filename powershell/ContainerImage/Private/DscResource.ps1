# The class-based DSC resource lives in the nested module ContainerImage.DscResource.psm1 (DSC finds class
# resources only in a root or nested module file). Its methods need this module's backend: hand it this
# module, now, as the module loads (nested modules are loaded before the root module's script runs).
foreach ($nested in $ExecutionContext.SessionState.Module.NestedModules) {
    if ($nested.Name -eq 'ContainerImage.DscResource') {
        & $nested { param($root) $script:RootModule = $root } $ExecutionContext.SessionState.Module
    }
}
