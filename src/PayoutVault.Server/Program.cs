using PayoutVault.Server.Hosting;

return await VaultHost.RunAsync(args);
