// Runs the Bank 131 stand-in on its own, e.g.:
//   Sandbox__PartnerPublicKeyFile=partner.pub.pem Sandbox__BankPrivateKeyFile=bank.key.pem \
//   Sandbox__WebhookUrl=http://127.0.0.1:8081/webhooks/bank131 dotnet run --project src/PayoutVault.Sandbox
var app = PayoutVault.Sandbox.SandboxApp.Build(args);
app.Run();
