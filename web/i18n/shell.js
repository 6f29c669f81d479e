export default {
  en: {
    live: 'Overview', history: 'History', sessions: 'Sessions', cards: 'Cards', settings: 'Settings', installer: 'Installer',
    connecting: 'Connecting…', connected: 'Live', reconnecting: 'Reconnecting…', demo: 'Demo: simulated devices',
    language: 'Language', logout: 'Log out', navigation: 'Main', pageUnavailable: 'This page could not be loaded.',
  },
  'pt-BR': {
    live: 'Visão geral', history: 'Histórico', sessions: 'Recargas', cards: 'Cartões', settings: 'Configurações', installer: 'Instalador',
    connecting: 'Conectando…', connected: 'Ao vivo', reconnecting: 'Reconectando…', demo: 'Demonstração: dispositivos simulados',
    language: 'Idioma', logout: 'Sair', navigation: 'Principal', pageUnavailable: 'Não foi possível carregar esta página.',
  },
  fr: {
    live: 'Aperçu', history: 'Historique', sessions: 'Recharges', cards: 'Badges', settings: 'Réglages', installer: 'Installateur',
    connecting: 'Connexion…', connected: 'En direct', reconnecting: 'Reconnexion…', demo: 'Démo : appareils simulés',
    language: 'Langue', logout: 'Se déconnecter', navigation: 'Principal', pageUnavailable: 'Cette page n’a pas pu être chargée.',
  },
  de: {
    live: 'Übersicht', history: 'Verlauf', sessions: 'Ladevorgänge', cards: 'Karten', settings: 'Einstellungen', installer: 'Installateur',
    connecting: 'Verbinde…', connected: 'Live', reconnecting: 'Verbinde neu…', demo: 'Demo: simulierte Geräte',
    language: 'Sprache', logout: 'Abmelden', navigation: 'Hauptmenü', pageUnavailable: 'Diese Seite konnte nicht geladen werden.',
  },
};
