# ConnectidMail portal. Build: docker build -t connectidmail .
# Run:  docker run -p 8080:8080 -e Mail__Smtp__Host=smtp.example.org \
#         -v cm-data:/var/lib/connectidmail/data -v cm-keys:/var/lib/connectidmail/keys connectidmail
# The data and the key folders are separate volumes: a copy of the data alone must not carry the master key.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so the package layer is reused while sources change.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ConnectidMail.Core/ConnectidMail.Core.csproj src/ConnectidMail.Core/
COPY src/ConnectidMail.Web/ConnectidMail.Web.csproj src/ConnectidMail.Web/
COPY migrations/ConnectidMail.Migrations.Sqlite/ConnectidMail.Migrations.Sqlite.csproj migrations/ConnectidMail.Migrations.Sqlite/
COPY migrations/ConnectidMail.Migrations.Postgres/ConnectidMail.Migrations.Postgres.csproj migrations/ConnectidMail.Migrations.Postgres/
RUN dotnet restore src/ConnectidMail.Web/ConnectidMail.Web.csproj
COPY wwwroot-assets/ wwwroot-assets/
COPY migrations/ migrations/
COPY src/ src/
RUN dotnet publish src/ConnectidMail.Web/ConnectidMail.Web.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
ENV ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_HTTP_PORTS=8080 \
    Storage__DataPath=/var/lib/connectidmail/data \
    Keys__MasterKeyFile=/var/lib/connectidmail/keys/master.key
RUN mkdir -p /var/lib/connectidmail/data /var/lib/connectidmail/keys \
    && chown -R $APP_UID /var/lib/connectidmail \
    && chmod 0700 /var/lib/connectidmail/keys
WORKDIR /app
COPY --from=build /app .
USER $APP_UID
VOLUME ["/var/lib/connectidmail/data", "/var/lib/connectidmail/keys"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["dotnet", "ConnectidMail.Web.dll", "health-probe"]
ENTRYPOINT ["dotnet", "ConnectidMail.Web.dll"]
