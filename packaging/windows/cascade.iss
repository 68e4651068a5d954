; Inno Setup 6 script for Cascade's Windows installer (per-user by default, no admin rights needed).
; Built by packaging/windows/build.ps1 from the PyInstaller one-folder bundle in packaging\dist\cascade:
;   ISCC.exe /DAppVersion=0.1.0 packaging\windows\cascade.iss
; Output: packaging\dist\cascade-<version>-windows-x64-setup.exe
; Paths are relative to this file.

#ifndef AppVersion
  #error Pass /DAppVersion=X.Y.Z (build.ps1 reads it from app\__init__.py, the one version source)
#endif

; Windows attributes toast notifications (QSystemTrayIcon.showMessage) and taskbar grouping to the
; AppUserModelID of the Start-menu shortcut that launched the app. Without one, toasts from an
; unpackaged app are dropped or shown under "python". The app must set the same ID for its process
; (SetCurrentProcessExplicitAppUserModelID) before it creates a window.
#define AppUserModelID "Cascade.Cascade"

[Setup]
; Never change AppId: upgrades and the uninstaller find earlier installs through it.
AppId={{6F1C2B9E-4D37-4C8A-9E55-2B7A0C9D41E3}
AppName=Cascade
AppVersion={#AppVersion}
AppVerName=Cascade {#AppVersion}
AppPublisher=Cascade maintainers
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\Cascade
DefaultGroupName=Cascade
DisableProgramGroupPage=yes
; Per-user install into %LOCALAPPDATA%\Programs unless the user picks "all users" (then UAC).
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; PySide6 6.x needs Windows 10 1809 or later.
MinVersion=10.0.17763
OutputDir=..\dist
OutputBaseFilename=cascade-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\cascade.ico
UninstallDisplayIcon={app}\cascade.exe
UninstallDisplayName=Cascade
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; An upgrade must not copy over a running cascade.exe: ask Restart Manager to close it.
CloseApplications=yes
RestartApplications=no
; Signing (optional): register a sign tool in the IDE or with ISCC /S"signtool=...", then uncomment.
; SignTool=signtool
; SignedUninstaller=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder bundle: cascade.exe (GUI, no console), cascade-cli.exe (console twin for the
; headless commands) and _internal\ (Python, Qt, resources).
Source: "..\dist\cascade\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; A previous version's _internal may hold modules this one no longer ships: start clean.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\Cascade"; Filename: "{app}\cascade.exe"; WorkingDir: "{app}"; \
  Comment: "Liquidation tape, distance to liquidation and macro shocks"; AppUserModelID: "{#AppUserModelID}"
Name: "{autoprograms}\Cascade demo (2026-01-20 replay)"; Filename: "{app}\cascade.exe"; Parameters: "--demo"; \
  WorkingDir: "{app}"; Comment: "Replay the bundled 2026-01-20 cascade offline"; AppUserModelID: "{#AppUserModelID}"
Name: "{autodesktop}\Cascade"; Filename: "{app}\cascade.exe"; WorkingDir: "{app}"; Tasks: desktopicon; \
  AppUserModelID: "{#AppUserModelID}"

[Run]
Filename: "{app}\cascade.exe"; Description: "{cm:LaunchProgram,Cascade}"; Flags: nowait postinstall skipifsilent

; Settings, history and logs live in %LOCALAPPDATA%\cascade (platformdirs) and API keys in the
; Credential Manager: the uninstaller leaves both, as users expect when they reinstall.
