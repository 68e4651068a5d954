# Builds Cascade's Windows installer. Run in PowerShell from any directory, on Windows 10/11 x64 with
# Python 3.12+ (python.org installer, "py" launcher) and Inno Setup 6 (winget install JRSoftware.InnoSetup):
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# Steps: venv + the `package` extra, PyInstaller one-folder bundle, smoke checks of the frozen app,
# Inno Setup installer. Output: packaging\dist\cascade-<version>-windows-x64-setup.exe
# Signing: set $env:SIGN_CERT_THUMBPRINT to a code-signing certificate in the user's store.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

function Check($what) { if ($LASTEXITCODE -ne 0) { throw "$what failed (exit $LASTEXITCODE)" } }

if (-not (Test-Path .venv\Scripts\python.exe)) { py -3.12 -m venv .venv; Check "venv" }
.venv\Scripts\python -m pip install -q --upgrade pip; Check "pip upgrade"
.venv\Scripts\python -m pip install -q -e ".[package]"; Check "pip install .[package]"
$version = (.venv\Scripts\python -c "import app; print(app.__version__)").Trim(); Check "version"

.venv\Scripts\python -m PyInstaller --noconfirm --clean --distpath packaging\dist `
  --workpath packaging\build\work packaging\cascade.spec; Check "PyInstaller"

# Smoke checks through the console twin (cascade.exe is a GUI-subsystem program and prints nothing).
$cli = "packaging\dist\cascade\cascade-cli.exe"
$printed = & $cli --version; Check "--version"
if ($printed -ne "cascade $version") { throw "--version printed '$printed'" }
$env:QT_QPA_PLATFORM = "offscreen"
$summary = & $cli --demo --exit-after 10 | Select-Object -Last 1; Check "demo"
Remove-Item Env:QT_QPA_PLATFORM
if ($summary -notmatch '^cascade: liquidations shown binance=\d+ bybit=\d+ okx=\d+$') { throw "demo printed '$summary'" }
$report = & $cli self-check --keyring-roundtrip | Out-String | ConvertFrom-Json; Check "self-check"
if ($report.keyring.backend -ne "keyring.backends.Windows.WinVaultKeyring") { throw "keyring backend: $($report.keyring.backend)" }
if ($report.tls.x509_ca -le 0) { throw "empty TLS trust store" }
Write-Host "frozen app ok: $summary; keyring $($report.keyring.backend); $($report.tls.x509_ca) CAs"

if ($env:SIGN_CERT_THUMBPRINT) {
  # Sign the executables before Inno packs them (SmartScreen reputation follows the certificate).
  signtool sign /sha1 $env:SIGN_CERT_THUMBPRINT /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 `
    packaging\dist\cascade\cascade.exe packaging\dist\cascade\cascade-cli.exe; Check "signtool (exe)"
}

$iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"
if (-not (Test-Path $iscc)) { $iscc = Join-Path $env:LOCALAPPDATA "Programs\Inno Setup 6\ISCC.exe" }
& $iscc /Qp "/DAppVersion=$version" packaging\windows\cascade.iss; Check "Inno Setup"
$setup = "packaging\dist\cascade-$version-windows-x64-setup.exe"
if ($env:SIGN_CERT_THUMBPRINT) {
  signtool sign /sha1 $env:SIGN_CERT_THUMBPRINT /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 `
    $setup; Check "signtool (setup)"
}
Get-Item $setup | Select-Object Name, @{n = "MB"; e = { [math]::Round($_.Length / 1MB, 1) } }
