; FactorDesk NSIS include (electron-builder nsis.include): puts the stand-alone command line
; ($INSTDIR\resources\cli, holding factordesk.exe) on the user's PATH at install and takes it
; off at uninstall. PowerShell edits the registry value so a long PATH is never cut short.

!macro customInstall
  nsExec::ExecToLog 'powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "$$d = \"$INSTDIR\resources\cli\"; $$p = [Environment]::GetEnvironmentVariable(\"Path\", \"User\"); if (-not $$p) { $$p = \"\" }; if (($$p -split \";\") -notcontains $$d) { [Environment]::SetEnvironmentVariable(\"Path\", ($$p.TrimEnd(\";\") + \";\" + $$d).TrimStart(\";\"), \"User\") }"'
  Pop $0
!macroend

!macro customUnInstall
  nsExec::ExecToLog 'powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command "$$d = \"$INSTDIR\resources\cli\"; $$p = [Environment]::GetEnvironmentVariable(\"Path\", \"User\"); if ($$p) { [Environment]::SetEnvironmentVariable(\"Path\", (($$p -split \";\") | Where-Object { $$_ -and $$_ -ne $$d }) -join \";\", \"User\") }"'
  Pop $0
!macroend
