// A third-party OpenID Provider for the interoperability test: the npm
// `oidc-provider` package (panva), configured as NHS login and a CIS2-style
// staff provider would be: authorization code with PKCE S256 required,
// clients authenticating with private_key_jwt, RS512 ID tokens for patients.
// Its development log-in form accepts any username: the username is the
// account (an NHS number, or a staff user id).
//
// Usage: node op.mjs PORT CONFIG.json
// CONFIG: { carebook: "http://127.0.0.1:PORT", clientJwk: {...public RSA JWK},
//           patients: { "<nhs number>": { given_name, family_name, birthdate } },
//           staff: { "<uid>": { given_name, family_name, roles: [{role, organisation_code}] } } }
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const [port, configFile] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configFile, 'utf8'));
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'interop-op-1', use: 'sig' };

const client = (id, kind, alg) => ({
  client_id: id,
  redirect_uris: [`${config.carebook}/auth/${kind}/callback`],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'private_key_jwt',
  token_endpoint_auth_signing_alg: 'RS512',
  id_token_signed_response_alg: alg,
  jwks: { keys: [config.clientJwk] },
});

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [client('carebook-patient', 'patient', 'RS512'), client('carebook-staff', 'staff', 'RS256')],
  jwks: { keys: [signingKey] },
  pkce: { required: () => true },
  enabledJWA: {
    idTokenSigningAlgValues: ['RS256', 'RS512'],
    clientAuthSigningAlgValues: ['RS256', 'RS512'],
  },
  extraParams: ['vtr'],
  claims: {
    openid: ['sub'],
    profile: ['given_name', 'family_name', 'birthdate'],
    email: ['email'],
    phone: ['phone_number'],
    profile_extended: ['nhs_number', 'vot', 'vtm', 'identity_proofing_level'],
    gp_registration_details: ['gp_registration_details'],
    carebook: ['carebook_roles'],
  },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const patient = config.patients[id];
    const member = config.staff[id];
    if (!patient && !member) return undefined;
    return {
      accountId: id,
      async claims() {
        if (patient) {
          return {
            sub: id,
            ...patient,
            nhs_number: id,
            vot: 'P9.Cp.Cd',
            vtm: 'https://interop.example/trustmark',
            identity_proofing_level: 'P9',
          };
        }
        return { sub: id, given_name: member.given_name, family_name: member.family_name, carebook_roles: member.roles };
      },
    };
  },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => console.log(`oidc-provider ready on ${port}`));
